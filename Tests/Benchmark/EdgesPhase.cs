using System.Diagnostics;
using System.Globalization;
using RabbitMQ.Client;
using Sluice.Contracts;
using Sluice.Contracts.Publishing;
using Sluice.Simulator;
using Sluice.Worker.Topology;

namespace Sluice.Benchmark;

/// <summary>
/// Isolation and priority under a backlog: one partition has a large bulk backlog waiting; meanwhile fresh mail is
/// published at a steady pace to another partition (isolation) and, transactional, to the backlogged partition
/// itself (priority). Each fresh message's time from publish to delivery (the simulator's record) is compared with
/// its partition's permit spacing + 1 s.
/// </summary>
internal static class EdgesPhase
{
    private const string Backlogged = "backlog.edges.example";
    private const string Other = "other.edges.example";

    // The backlogged partition: 100 per 10 s (a permit every 0.1 s); the other: 5 per second (every 0.2 s).
    private const int BackloggedLimit = 100;
    private static readonly TimeSpan BackloggedWindow = TimeSpan.FromSeconds(10);
    private const int OtherLimit = 5;
    private static readonly TimeSpan OtherWindow = TimeSpan.FromSeconds(1);

    public static async Task<EdgesResult> RunAsync(int backlog, int fresh, int connections, string pacing, TextWriter output)
    {
        await using var simulator = ReceivingSimulator.Start(new SimulatorOptions { Port = 0 });
        await using var broker = await BenchBroker.CreateAsync("edges");
        var configuration = BenchWorker.Configuration(broker, simulator, connections);
        configuration[$"Limits:Domains:{Backlogged}:PermitLimit"] = BackloggedLimit.ToString(CultureInfo.InvariantCulture);
        configuration[$"Limits:Domains:{Backlogged}:Window"] = BackloggedWindow.ToString("c", CultureInfo.InvariantCulture);
        configuration[$"Limits:Domains:{Other}:PermitLimit"] = OtherLimit.ToString(CultureInfo.InvariantCulture);
        configuration[$"Limits:Domains:{Other}:Window"] = OtherWindow.ToString("c", CultureInfo.InvariantCulture);
        configuration["Scheduler:Lanes:Pacing"] = pacing;

        using var worker = await BenchWorker.StartAsync(configuration);
        var factory = new ConnectionFactory { HostName = "localhost", VirtualHost = broker.VirtualHost };
        await using var connection = await factory.CreateConnectionAsync();
        await using var publisher = await OutboundMailPublisher.CreateAsync(connection);
        var clock = Stopwatch.StartNew();

        // The bulk backlog, all waiting before the fresh mail starts: intake and the egress queue empty (it is in its lane).
        var bulk = Enumerable.Range(0, backlog).Select(i => Backlog.Mail($"bulk{i}@{Backlogged}") with { Priority = MailPriority.Bulk });
        foreach (var chunk in bulk.Chunk(500))
        {
            await Task.WhenAll(chunk.Select(m => publisher.PublishAsync(m)));
        }

        while (await broker.QueuedAsync(QueueNames.Intake) > 0 || await broker.QueuedAsync(QueueNames.Egress(QueueNames.DefaultEgress)) > 0)
        {
            await Task.Delay(500);
        }

        await output.WriteLineAsync($"  {backlog} bulk messages for {Backlogged} waiting after {clock.Elapsed.TotalSeconds:0} s; now {fresh} fresh to {Other} and {fresh} transactional to {Backlogged}, one pair a second …");

        // One of each a second: well under either partition's rate, so any wait beyond the spacing is the scheduler's.
        var published = new Dictionary<string, DateTimeOffset>(StringComparer.OrdinalIgnoreCase);
        using var pace = new PeriodicTimer(TimeSpan.FromSeconds(1));
        for (int i = 0; i < fresh; i++)
        {
            await pace.WaitForNextTickAsync();
            foreach (var mail in new[] { Backlog.Mail($"fresh{i}@{Other}"), Backlog.Mail($"urgent{i}@{Backlogged}") with { Priority = MailPriority.Transactional } })
            {
                published[mail.To[0].Address] = DateTimeOffset.UtcNow;
                await publisher.PublishAsync(mail);
            }
        }

        try
        {
            await simulator.WaitUntilAsync(
                s => s.Records.Count(r => r.Stage == ReplyRecord.DataStage && !r.Recipient.StartsWith("bulk", StringComparison.Ordinal)) >= published.Count, TimeSpan.FromMinutes(5));
        }
        catch (TimeoutException)
        {
            var delivered = simulator.Records.Where(r => r.Stage == ReplyRecord.DataStage).Select(r => r.Recipient).ToHashSet();
            await output.WriteLineAsync("  not delivered after 5 minutes: " + string.Join(", ", published.Keys.Where(k => !delivered.Contains(k))));
            await worker.StopAsync();
            throw;
        }
        await worker.StopAsync();

        var deliveredAt = simulator.Records.Where(r => r.Stage == ReplyRecord.DataStage && published.ContainsKey(r.Recipient))
            .GroupBy(r => r.Recipient).ToDictionary(g => g.Key, g => g.Min(r => r.At));
        double P99(string domain) => Percentile(published.Where(p => p.Key.EndsWith(domain, StringComparison.Ordinal)).Select(p => (deliveredAt[p.Key] - p.Value).TotalSeconds), 0.99);
        long bulkDelivered = simulator.Records.Count(r => r.Stage == ReplyRecord.DataStage && r.Recipient.StartsWith("bulk", StringComparison.Ordinal));
        return new EdgesResult(
            P99(Other), OtherWindow.TotalSeconds / OtherLimit + 1,
            P99(Backlogged), BackloggedWindow.TotalSeconds / BackloggedLimit + 1,
            bulkDelivered);
    }

    private static double Percentile(IEnumerable<double> values, double rank)
    {
        var sorted = values.Order().ToList();
        return sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(rank * sorted.Count) - 1)];
    }
}

/// <summary>p99 publish-to-delivery seconds of fresh mail beside a backlog, each with its bound (permit spacing + 1 s).</summary>
internal sealed record EdgesResult(double IsolationP99, double IsolationBound, double PriorityP99, double PriorityBound, long BulkDelivered);
