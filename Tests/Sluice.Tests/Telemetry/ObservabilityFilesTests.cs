using System.Text.Json;
using System.Text.RegularExpressions;
using Sluice.Tests.Infrastructure;

namespace Sluice.Tests.Telemetry;

/// <summary>
/// The alert rules pass promtool's checks and unit tests and each has a runbook; the dashboards follow Grafana's
/// conventions and every query is scoped by the namespace and job variables.
/// </summary>
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
            Assert.Contains("namespace", variables);
            Assert.Contains("job", variables);

            var panels = root.GetProperty("panels").EnumerateArray().ToList();
            Assert.NotEmpty(panels);
            Assert.Equal(panels.Count, panels.Select(p => p.GetProperty("id").GetInt32()).Distinct().Count());
            foreach (var panel in panels)
            {
                Assert.Equal("${datasource}", panel.GetProperty("datasource").GetProperty("uid").GetString());
                foreach (var target in panel.GetProperty("targets").EnumerateArray())
                {
                    string expr = target.GetProperty("expr").GetString()!;
                    foreach (Match selector in SluiceSelector().Matches(expr))
                    {
                        Assert.True(selector.Value.Contains("namespace=~\"$namespace\"", StringComparison.Ordinal) && selector.Value.Contains("job=~\"$job\"", StringComparison.Ordinal),
                            $"{Path.GetFileName(file)} panel '{panel.GetProperty("title")}': {selector.Value} is not scoped by $namespace and $job");
                    }

                    foreach (Match range in RangeSelector().Matches(expr))
                    {
                        Assert.True(range.Groups[1].Value == "$__rate_interval", $"{Path.GetFileName(file)} panel '{panel.GetProperty("title")}' uses [{range.Groups[1].Value}] instead of [$__rate_interval]: {expr}");
                    }
                }
            }
        }
    }

    [Fact]
    public void Every_alert_has_a_runbook_section_in_the_docs()
    {
        string rules = File.ReadAllText(RepositoryFiles.PathOf("deploy/prometheus/sluice.rules.yml"));
        var headings = RunbookHeading().Matches(File.ReadAllText(RepositoryFiles.PathOf("docs/runbooks.md")))
            .Select(m => m.Groups[1].Value.ToLowerInvariant()).ToHashSet(StringComparer.Ordinal);
        var alerts = AlertName().Matches(rules).Select(m => m.Groups[1].Value).ToList();
        var runbooks = RunbookUrl().Matches(rules).Select(m => m.Groups[1].Value).ToList();

        Assert.NotEmpty(alerts);
        Assert.Equal(alerts.Select(a => a.ToLowerInvariant()), runbooks); // one each, in order, named after its alert
        Assert.All(runbooks, anchor => Assert.Contains(anchor, headings));
    }

    [GeneratedRegex(@"^\s*- alert: (\w+)", RegexOptions.Multiline)]
    private static partial Regex AlertName();

    [GeneratedRegex(@"runbook_url: ""https://[^""#]+/docs/runbooks\.md#([a-z]+)""")]
    private static partial Regex RunbookUrl();

    [GeneratedRegex(@"^## (\w+)\s*$", RegexOptions.Multiline)]
    private static partial Regex RunbookHeading();

    [GeneratedRegex(@"sluice_[a-z_]+\{[^}]*\}|sluice_[a-z_]+(?![a-z_{])")]
    private static partial Regex SluiceSelector();

    [GeneratedRegex(@"\[([^\]]+)\]")]
    private static partial Regex RangeSelector();
}
