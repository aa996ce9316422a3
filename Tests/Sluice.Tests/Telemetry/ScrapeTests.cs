using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using Sluice.Contracts.Publishing;
using Sluice.Simulator;
using Sluice.Tests.Infrastructure;

namespace Sluice.Tests.Telemetry;

/// <summary>
/// Scrapes a running worker after a small drain: health endpoints answer, every metric name the dashboards and alert
/// rules use is exported with every label their queries select or group by, and the exposition passes
/// <c>promtool check metrics</c>.
/// </summary>
/// <remarks>
/// Alone, not beside other tests' workers: a meter provider listens to meters by name across the process, so with
/// several worker hosts alive it sees each instrument once per host, reports them as conflicting duplicates, and a
/// scrape taken then came back with no Sluice metric at all (a real process runs one host).
/// </remarks>
[Collection(nameof(ScrapeTests))]
public sealed partial class ScrapeTests
{
    private static readonly TimeSpan HangGuard = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task A_drained_worker_exports_every_metric_the_dashboards_and_alerts_use_and_reports_healthy()
    {
        await using var broker = await TestBroker.CreateAsync();
        await using var simulator = ReceivingSimulator.Start(new SimulatorOptions
        {
            Port = 0,
            Rules = [new DomainRule { Pattern = "*", UnknownUsers = ["nobody"] }],
        });
        int port = ReceivingSimulator.FreeLoopbackPort();

        // One sender domain for the preflight to check (its SPF does not authorise the relay: a failing check is exported too).
        using var dns = SimulatedDns.Start(new DnsOptions { Port = 0, Txt = { ["scrape-sender.example"] = "v=spf1 -all" } });
        await using var worker = await InProcessWorker.StartAsync(PipelineConfiguration.For(broker, simulator,
            ("Senders:Tenants:scrape:0", "scrape-sender.example"),
            ("Providers:Dns:Servers:0", $"127.0.0.1:{dns.Port.ToString(CultureInfo.InvariantCulture)}"),
            ("Telemetry:Port", port.ToString(CultureInfo.InvariantCulture)),
            ("Telemetry:QueueSampleInterval", "00:00:01"),
            ("Scheduler:StatusInterval", "00:00:00.200")));
        // A pause in force, so the pause gauge (the dashboard's pause annotations) is exported.
        Assert.Equal(0, (await SluiceCli.RunAsync(broker.Configuration, "pause", "domain:scrape-paused.example", "--reason", "scrape")).ExitCode);
        await using var connection = await broker.ConnectAsync();
        await using var publisher = await OutboundMailPublisher.CreateAsync(connection);
        await MailLoad.PublishAsync(publisher, ["scrape-a.example", "scrape-b.example"], perDomain: 5);
        await publisher.PublishAsync(SampleMail.To("nobody@scrape-a.example"));
        await simulator.WaitUntilAsync(s => s.DeliveredCount >= 10 && s.Records.Any(r => r.Code == 550), HangGuard);

        // Mail published before the owner had opened its door was copied into the egress queue; one more now, with the
        // owner running in this worker, is handed straight to it (and counted so).
        await publisher.PublishAsync(SampleMail.To("late@scrape-b.example"));
        await simulator.WaitUntilAsync(s => s.DeliveredCount >= 11, HangGuard);

        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/"), Timeout = HangGuard };
        using (var live = await http.GetAsync("healthz/live"))
        {
            Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        }

        using (var ready = await http.GetAsync("healthz/ready"))
        {
            Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        }

        // Counters are exported once something was counted; the failed recipient settles just after its reply.
        string scrape = string.Empty;
        for (var deadline = DateTime.UtcNow + HangGuard; DateTime.UtcNow < deadline;)
        {
            scrape = await http.GetStringAsync("metrics");
            if (scrape.Contains("domain=\"scrape-a.example\",egress=\"default\",outcome=\"failed\"", StringComparison.Ordinal) && scrape.Contains("sluice_queue_depth", StringComparison.Ordinal)
                && scrape.Contains("sluice_sender_auth", StringComparison.Ordinal) && scrape.Contains("sluice_control_paused", StringComparison.Ordinal)
                && scrape.Contains("sluice_smtp_replies_total", StringComparison.Ordinal) && scrape.Contains("sluice_intake_handed_over_total", StringComparison.Ordinal))
            {
                break;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(200));
        }

        await File.WriteAllTextAsync(Path.Combine(Path.GetTempPath(), "sluice-scrape.txt"), scrape);
        var exported = ExportedNames(scrape);
        var used = UsedNames();
        Assert.NotEmpty(used);
        Assert.All(used, name => Assert.Contains(name, exported));
        var labels = ExportedLabels(scrape);
        Assert.All(UsedLabels(), use => Assert.True(
            use.Metrics.Any(m => labels.TryGetValue(m, out var known) && known.Contains(use.Label)),
            $"no series of {string.Join(" or ", use.Metrics)} has the label {use.Label}, which this query uses: {use.Expression}"));
        // Meters are listened to by name across the process: other tests' workers show up too, so count this test's domains
        // (ten, and the late one).
        Assert.Equal(11, DeliveredLine().Matches(scrape).Sum(m => int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture)));

        // Sluice's own families must pass promtool's lint. MailKit's and the .NET runtime's are exported
        // as their authors name them (e.g. MailKit's durations in milliseconds), which the lint flags.
        var check = await ExternalCommand.RunAsync("promtool", ["check", "metrics"], input: OwnFamilies(scrape));
        Assert.True(check.ExitCode == 0, $"promtool check metrics: {check.AllOutput}");
    }

    /// <summary>Metric names in the exposition; a histogram's name counts through its _bucket, _sum and _count series.</summary>
    private static HashSet<string> ExportedNames(string scrape)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var line in scrape.Split('\n'))
        {
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }

            string name = line[..line.IndexOfAny(['{', ' '])];
            names.Add(name);
        }

        return names;
    }

    /// <summary>Per metric name in the exposition, the label names its series carry.</summary>
    private static Dictionary<string, HashSet<string>> ExportedLabels(string scrape)
    {
        var labels = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        foreach (Match series in SeriesLine().Matches(scrape))
        {
            if (!labels.TryGetValue(series.Groups["name"].Value, out var names))
            {
                labels[series.Groups["name"].Value] = names = new HashSet<string>(StringComparer.Ordinal);
            }

            names.UnionWith(LabelPair().Matches(series.Groups["labels"].Value).Select(m => m.Groups[1].Value));
        }

        return labels;
    }

    /// <summary>
    /// Every label a dashboard or alert query selects on (<c>{egress=~"..."}</c>, <c>label_values(m, egress)</c>) or
    /// groups by (<c>by</c>, <c>on</c>, ...), with the metric names it may belong to. Labels that Prometheus adds at
    /// scrape time (<c>namespace</c>, <c>job</c>, <c>instance</c>, <c>pod</c>) are not the worker's to export.
    /// </summary>
    private static List<(string Label, string[] Metrics, string Expression)> UsedLabels()
    {
        string[] scrapeTime = ["namespace", "job", "instance", "pod"];
        var uses = new List<(string Label, string[] Metrics, string Expression)>();
        foreach (string expression in QueryExpressions())
        {
            string[] metrics = [.. MetricName().Matches(expression).Select(m => m.Value).Where(n => n.StartsWith("sluice_", StringComparison.Ordinal)).Distinct()];
            if (metrics.Length == 0)
            {
                continue;
            }

            foreach (Match selector in Selector().Matches(expression))
            {
                uses.AddRange(Matcher().Matches(selector.Groups["matchers"].Value).Select(m => (m.Groups[1].Value, new[] { selector.Groups["name"].Value }, expression)));
            }

            foreach (Match values in LabelValues().Matches(expression))
            {
                uses.Add((values.Groups["label"].Value, [values.Groups["name"].Value], expression));
            }

            foreach (Match grouping in Grouping().Matches(expression))
            {
                uses.AddRange(grouping.Groups["labels"].Value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Select(l => (l, metrics, expression)));
            }
        }

        return [.. uses.Where(u => !scrapeTime.Contains(u.Label))];
    }

    /// <summary>The PromQL of the dashboards (panel targets, annotations, variables) and of the alert rules.</summary>
    private static IEnumerable<string> QueryExpressions()
    {
        foreach (string file in Directory.GetFiles(RepositoryFiles.PathOf("deploy/grafana/dashboards"), "*.json"))
        {
            using var dashboard = JsonDocument.Parse(File.ReadAllText(file));
            foreach (string expression in Strings(dashboard.RootElement, "expr").Concat(Strings(dashboard.RootElement, "query")))
            {
                yield return expression;
            }
        }

        // expr: one line, or a block scalar (|) whose lines are indented deeper than the key.
        string[] lines = File.ReadAllLines(RepositoryFiles.PathOf("deploy/prometheus/sluice.rules.yml"));
        for (int i = 0; i < lines.Length; i++)
        {
            var key = RuleExpression().Match(lines[i]);
            if (!key.Success)
            {
                continue;
            }

            if (key.Groups["value"].Value.Trim() != "|")
            {
                yield return key.Groups["value"].Value;
                continue;
            }

            int indent = key.Groups["indent"].Length;
            yield return string.Join('\n', lines.Skip(i + 1).TakeWhile(l => l.Trim().Length == 0 || l.Length - l.TrimStart().Length > indent));
        }
    }

    /// <summary>Every string value of a property with this name, at any depth.</summary>
    private static IEnumerable<string> Strings(JsonElement element, string property) => element.ValueKind switch
    {
        JsonValueKind.Object => element.EnumerateObject().SelectMany(p =>
            p.NameEquals(property) && p.Value.ValueKind == JsonValueKind.String ? [p.Value.GetString()!] : Strings(p.Value, property)),
        JsonValueKind.Array => element.EnumerateArray().SelectMany(e => Strings(e, property)),
        _ => [],
    };

    /// <summary>The exposition's sluice_* families only (samples and their HELP/TYPE lines).</summary>
    private static string OwnFamilies(string scrape) =>
        string.Join('\n', scrape.Split('\n').Where(line => line.StartsWith("sluice_", StringComparison.Ordinal)
            || line.StartsWith("# HELP sluice_", StringComparison.Ordinal) || line.StartsWith("# TYPE sluice_", StringComparison.Ordinal))) + "\n";

    /// <summary>Every sluice_/mailkit_ metric name in the dashboards' and alert rules' expressions.</summary>
    private static SortedSet<string> UsedNames()
    {
        var files = Directory.GetFiles(RepositoryFiles.PathOf("deploy/grafana/dashboards"), "*.json")
            .Concat(Directory.GetFiles(RepositoryFiles.PathOf("deploy/prometheus"), "*.rules.yml"));
        return new SortedSet<string>(files.SelectMany(f => MetricName().Matches(File.ReadAllText(f)).Select(m => m.Value)), StringComparer.Ordinal);
    }

    [GeneratedRegex(@"\b(?:sluice|mailkit)_[a-z0-9_]+")]
    private static partial Regex MetricName();

    [GeneratedRegex(@"^(?<name>sluice_[a-z0-9_]+)\{(?<labels>[^}]*)\} ", RegexOptions.Multiline)]
    private static partial Regex SeriesLine();

    [GeneratedRegex(@"([a-zA-Z_][a-zA-Z0-9_]*)=""")]
    private static partial Regex LabelPair();

    [GeneratedRegex(@"(?<name>sluice_[a-z0-9_]+)\{(?<matchers>[^}]*)\}")]
    private static partial Regex Selector();

    [GeneratedRegex(@"([a-zA-Z_][a-zA-Z0-9_]*)\s*(?:=~|!~|!=|=)\s*""")]
    private static partial Regex Matcher();

    [GeneratedRegex(@"label_values\((?<name>sluice_[a-z0-9_]+)(?:\{[^}]*\})?\s*,\s*(?<label>[a-zA-Z_][a-zA-Z0-9_]*)\s*\)")]
    private static partial Regex LabelValues();

    [GeneratedRegex(@"\b(?:by|without|on|ignoring|group_left|group_right)\s*\((?<labels>[^)]*)\)")]
    private static partial Regex Grouping();

    [GeneratedRegex(@"^(?<indent>\s*)(?:- )?expr:\s*(?<value>.+)$")]
    private static partial Regex RuleExpression();

    [GeneratedRegex(@"sluice_delivery_recipients_total\{[^}]*domain=""scrape-[ab]\.example""[^}]*outcome=""delivered""[^}]*\} (\d+)")]
    private static partial Regex DeliveredLine();
}

/// <summary>Runs <see cref="ScrapeTests"/> with no other test class beside it.</summary>
[CollectionDefinition(nameof(ScrapeTests), DisableParallelization = true)]
public sealed class ScrapeTestsRunAlone;
