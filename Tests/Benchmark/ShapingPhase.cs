using System.Diagnostics;
using System.Globalization;
using RabbitMQ.Client;
using Sluice.Contracts.Publishing;
using Sluice.Simulator;
using Sluice.Worker.Control;
using Sluice.Worker.Topology;

namespace Sluice.Benchmark;

/// <summary>
/// A backlog over many limited domains: fidelity and utilization per domain, churn, and loss, all from
/// the simulator's record and the broker's own counters (docs/measurements.md).
/// </summary>
internal static class ShapingPhase
{
    private static readonly string Egress = new ControlTarget(ControlTargetKind.Egress, QueueNames.DefaultEgress).ToString();

    public static async Task<ShapingResult> RunAsync(int domainCount, int perDomain, int limit, TimeSpan window, int connections, TextWriter output, bool warmUp = false)
    {
        var domains = Enumerable.Range(0, domainCount).Select(i => $"d{i}.shaping.example").ToList();
        await using var simulator = ReceivingSimulator.Start(new SimulatorOptions
        {
            Port = 0,
            Rules = [new DomainRule { Pattern = "*.shaping.example", Limit = limit, Window = window }],
        });
        await using var broker = await BenchBroker.CreateAsync(warmUp ? "shaping-warm" : "shaping");
        var configuration = BenchWorker.Configuration(broker, simulator, connections);
        configuration["Limits:WarmUp:Enabled"] = warmUp ? "true" : "false";
        configuration["Limits:Default:PermitLimit"] = limit.ToString(CultureInfo.InvariantCulture);
        configuration["Limits:Default:Window"] = window.ToString("c", CultureInfo.InvariantCulture);

        using var worker = await BenchWorker.StartAsync(configuration);
        var factory = new ConnectionFactory { HostName = "localhost", VirtualHost = broker.VirtualHost };
        await using var connection = await factory.CreateConnectionAsync();
        await using var publisher = await OutboundMailPublisher.CreateAsync(connection);
        var clock = Stopwatch.StartNew();

        // The steady state: the egress is paused while the backlog is published and split, so every domain
        // has its whole backlog waiting when sending starts (the transitions are the demo's to measure).
        await ControlLog.AppendAsync(connection, new ControlEvent(Egress, Paused: true, DateTimeOffset.UtcNow, "benchmark"), CancellationToken.None);
        var ids = await Backlog.PublishAsync(publisher, domains, perDomain);
        await using (var channel = await connection.CreateChannelAsync())
        {
            while ((await channel.QueueDeclarePassiveAsync(QueueNames.Intake)).MessageCount > 0)
            {
                await Task.Delay(100);
            }
        }

        await ControlLog.AppendAsync(connection, new ControlEvent(Egress, Paused: false, DateTimeOffset.UtcNow, "benchmark"), CancellationToken.None);
        await output.WriteLineAsync($"  published and split {ids.Count} messages in {clock.Elapsed.TotalSeconds:0.0} s; draining at {domainCount} × {limit} per {window.TotalSeconds:0} s …");

        int total = ids.Count;
        var progress = Task.Run(async () =>
        {
            while (simulator.DeliveredCount < total)
            {
                await Task.Delay(TimeSpan.FromSeconds(10));
                await output.WriteLineAsync($"    {simulator.DeliveredCount}/{total} delivered after {clock.Elapsed.TotalSeconds:0} s");
            }
        });
        double ideal = (Math.Ceiling((double)perDomain / limit) - 1) * window.TotalSeconds;
        await simulator.WaitUntilAsync(s => s.DeliveredCount >= total, TimeSpan.FromSeconds((ideal * 3) + 300));
        await progress;
        await worker.StopAsync();

        // The management API samples its counters every few seconds.
        await Task.Delay(TimeSpan.FromSeconds(6));
        long stillQueued = await broker.QueuedAsync();
        var entered = await broker.EnteredPerQueueAsync();

        // Churn counts mail hops only: not the producer's publishes into intake, nor status snapshots.
        long workerPublishes = entered.Where(e => BenchBroker.IsMailQueue(e.Key) && e.Key != "mail.intake").Sum(e => e.Value);
        long journalRecords = entered.Where(e => BenchBroker.IsJournal(e.Key)).Sum(e => e.Value);
        await output.WriteLineAsync("  messages entering each queue: " + string.Join(", ", entered.Where(e => e.Value > 0).OrderByDescending(e => e.Value).Select(e => $"{e.Key} {e.Value}")));

        var records = simulator.Records.ToList();
        var perPartition = domains.Select(d => (
            Domain: d,
            Fidelity: RecordAnalysis.MaxAttemptsInAnyWindow(records, d, window) / (double)limit,
            Utilization: RecordAnalysis.Utilization(records, d, limit, window))).ToList();
        var deliveries = RecordAnalysis.Deliveries(records);
        return new ShapingResult(
            total,
            deliveries.Count,
            deliveries.Values.Sum() - deliveries.Count,
            records.Count(r => r.Stage == ReplyRecord.RcptStage && !r.IsAccepted),
            perPartition.Max(p => p.Fidelity),
            perPartition.Min(p => p.Utilization),
            perPartition.Average(p => p.Utilization),
            workerPublishes / (double)deliveries.Count,
            total - deliveries.Count - stillQueued,
            journalRecords / (double)deliveries.Count);
    }
}

internal sealed record ShapingResult(
    int Published, int Delivered, int Duplicates, int RefusedReplies,
    double WorstFidelity, double WorstUtilization, double MeanUtilization, double Churn, long Lost, double JournalRecords);
