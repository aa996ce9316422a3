using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using Sluice.Contracts.Publishing;
using Sluice.Simulator;
using Sluice.Tests.Infrastructure;

namespace Sluice.Tests.Telemetry;

/// <summary>
/// Scrapes a running worker after a small drain: health endpoints answer, every metric name the
/// dashboards and alert rules use is exported, and the exposition passes <c>promtool check metrics</c>.
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
        await using var connection = await broker.ConnectAsync();
        await using var publisher = await OutboundMailPublisher.CreateAsync(connection);
        await MailLoad.PublishAsync(publisher, ["scrape-a.example", "scrape-b.example"], perDomain: 5);
        await publisher.PublishAsync(SampleMail.To("nobody@scrape-a.example"));
        await simulator.WaitUntilAsync(s => s.DeliveredCount >= 10 && s.Records.Any(r => r.Code == 550), HangGuard);

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
                && scrape.Contains("sluice_sender_auth", StringComparison.Ordinal))
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
        // Meters are listened to by name across the process: other tests' workers show up too, so count this test's domains.
        Assert.Equal(10, DeliveredLine().Matches(scrape).Sum(m => int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture)));

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

    [GeneratedRegex(@"sluice_delivery_recipients_total\{[^}]*domain=""scrape-[ab]\.example""[^}]*outcome=""delivered""[^}]*\} (\d+)")]
    private static partial Regex DeliveredLine();
}

/// <summary>Runs <see cref="ScrapeTests"/> with no other test class beside it.</summary>
[CollectionDefinition(nameof(ScrapeTests), DisableParallelization = true)]
public sealed class ScrapeTestsRunAlone;
