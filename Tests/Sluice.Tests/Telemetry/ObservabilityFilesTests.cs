using System.Text.Json;
using System.Text.RegularExpressions;
using Sluice.Tests.Infrastructure;

namespace Sluice.Tests.Telemetry;

/// <summary>The alert rules pass promtool's checks and unit tests; the dashboards follow Grafana's conventions.</summary>
public sealed partial class ObservabilityFilesTests
{
    [Fact]
    public async Task The_alert_rules_are_valid_and_their_promtool_unit_tests_pass()
    {
        string folder = RepositoryFiles.PathOf("deploy/prometheus");
        var check = await ExternalCommand.RunAsync("promtool", ["check", "rules", "sluice.rules.yml"], workingDirectory: folder);
        Assert.True(check.ExitCode == 0, check.AllOutput);

        var test = await ExternalCommand.RunAsync("promtool", ["test", "rules", "sluice.rules.test.yml"], workingDirectory: folder);
        Assert.True(test.ExitCode == 0, test.AllOutput);
        Assert.Contains("SUCCESS", test.AllOutput, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_dashboard_query_uses_the_datasource_variable_and_rate_interval()
    {
        var dashboards = Directory.GetFiles(RepositoryFiles.PathOf("deploy/grafana/dashboards"), "*.json");
        Assert.NotEmpty(dashboards);
        foreach (string file in dashboards)
        {
            using var document = JsonDocument.Parse(File.ReadAllText(file));
            var root = document.RootElement;
            Assert.False(string.IsNullOrEmpty(root.GetProperty("uid").GetString()));
            var variables = root.GetProperty("templating").GetProperty("list").EnumerateArray().Select(v => v.GetProperty("name").GetString()).ToList();
            Assert.Contains("datasource", variables);
            Assert.Contains("egress", variables);

            var panels = root.GetProperty("panels").EnumerateArray().ToList();
            Assert.NotEmpty(panels);
            Assert.Equal(panels.Count, panels.Select(p => p.GetProperty("id").GetInt32()).Distinct().Count());
            foreach (var panel in panels)
            {
                Assert.Equal("${datasource}", panel.GetProperty("datasource").GetProperty("uid").GetString());
                foreach (var target in panel.GetProperty("targets").EnumerateArray())
                {
                    string expr = target.GetProperty("expr").GetString()!;
                    foreach (Match range in RangeSelector().Matches(expr))
                    {
                        Assert.True(range.Groups[1].Value == "$__rate_interval", $"{Path.GetFileName(file)} panel '{panel.GetProperty("title")}' uses [{range.Groups[1].Value}] instead of [$__rate_interval]: {expr}");
                    }
                }
            }
        }
    }

    [GeneratedRegex(@"\[([^\]]+)\]")]
    private static partial Regex RangeSelector();
}
