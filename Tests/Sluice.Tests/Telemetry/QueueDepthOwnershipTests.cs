using System.Globalization;
using System.Text.RegularExpressions;
using Sluice.Simulator;
using Sluice.Tests.Infrastructure;

namespace Sluice.Tests.Telemetry;

/// <summary>
/// Queue depths come from one place: with two worker processes, each egress's queue series is exported by its owner
/// only, and the shared queues (intake, parked, failed) by one worker, so a dashboard's sum counts each queue once.
/// </summary>
public sealed partial class QueueDepthOwnershipTests
{
    private static readonly TimeSpan HangGuard = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task With_two_workers_every_queue_depth_series_is_exported_by_exactly_one()
    {
        string[] egresses = ["e1", "e2"];
        await using var broker = await TestBroker.CreateAsync();
        await using var simulator = ReceivingSimulator.Start(new SimulatorOptions { Port = 0 });
        int[] ports = [ReceivingSimulator.FreeLoopbackPort(), ReceivingSimulator.FreeLoopbackPort()];
        var common = PipelineConfiguration.For(broker, simulator,
            [.. egresses.Select((e, i) => ($"Topology:Egresses:{i}", e)), ("Scheduler:HandOverAfter", "00:00:00.500"),
             ("Telemetry:QueueSampleInterval", "00:00:01"), ("Logging:LogLevel:Sluice.Worker.Scheduling", "Information")]);
        await using var first = WorkerProcess.Start([.. common, new("Telemetry:Port", ports[0].ToString(CultureInfo.InvariantCulture))]);
        await first.WaitForOutputAsync("now owns egress", HangGuard);
        await using var second = WorkerProcess.Start([.. common, new("Telemetry:Port", ports[1].ToString(CultureInfo.InvariantCulture))]);
        await second.WaitForOutputAsync("now owns egress", HangGuard); // one each, after the hand-over

        using var http = new HttpClient { Timeout = HangGuard };
        var clock = System.Diagnostics.Stopwatch.StartNew();
        List<string>[] series = [[], []];
        while (clock.Elapsed < HangGuard)
        {
            for (int i = 0; i < 2; i++)
            {
                string scrape = await http.GetStringAsync($"http://127.0.0.1:{ports[i]}/metrics");
                series[i] = [.. DepthSeries().Matches(scrape).Select(m => m.Groups["labels"].Value)];
            }

            // Each egress's fresh-queue series, from whichever worker owns it, and intake from one: everything sampled.
            if (egresses.All(e => series.Sum(s => s.Count(l => l.Contains($"egress=\"{e}\"", StringComparison.Ordinal) && l.Contains("queue=\"egress\"", StringComparison.Ordinal))) >= 1)
                && series.Sum(s => s.Count(l => l.Contains("queue=\"intake\"", StringComparison.Ordinal))) >= 1
                && series.All(s => s.Count > 0))
            {
                break;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(200)); // another process's sampler: its next sample is all there is to wait for
        }

        var all = series[0].Concat(series[1]).ToList();
        Assert.NotEmpty(series[0]);
        Assert.NotEmpty(series[1]);
        Assert.Equal(all.Count, all.Distinct(StringComparer.Ordinal).Count());
        Assert.Single(all, l => l.Contains("queue=\"intake\"", StringComparison.Ordinal));
    }

    [GeneratedRegex(@"^sluice_queue_depth\{(?<labels>[^}]*)\}", RegexOptions.Multiline)]
    private static partial Regex DepthSeries();
}
