using System.Diagnostics;
using System.Globalization;
using RabbitMQ.Client;
using Sluice.Contracts.Publishing;
using Sluice.Simulator;
using Sluice.Worker.Delivery;
using Sluice.Worker.Topology;

namespace Sluice.Benchmark;

/// <summary>
/// The story, end to end: a backlog piles up while the smarthost is down, then Sluice (a real
/// <c>sluice run</c> process) drains it into receivers whose limits it may not know. Prints live
/// progress and a report judged from the simulator's record and the broker, never the worker's belief.
/// </summary>
internal static class DemoRun
{
    /// <param name="size">Messages in the backlog.</param>
    /// <param name="believed">The worker's limits as a multiple of the receivers' true limits.</param>
    /// <param name="outage">How long the smarthost stays down.</param>
    /// <param name="restartBeforeReturn">SIGKILL the worker and start a new one a few seconds before the smarthost returns.</param>
    /// <param name="kills">SIGKILL the owning worker this many times while it drains (a standby takes over each time).</param>
    /// <param name="output">Where progress and the report go.</param>
    public static async Task<int> RunAsync(int size, double believed, TimeSpan outage, bool restartBeforeReturn, int kills, TextWriter output)
    {
        var scenario = new DemoScenario(size, believed);
        var recipients = scenario.Recipients();
        int smtpPort = ReceivingSimulator.FreeLoopbackPort();
        using var dns = SimulatedDns.Start(scenario.Dns());
        await using var broker = await BenchBroker.CreateAsync("demo");
        string log = Path.Combine(Path.GetTempPath(), "sluice-demo-worker.log");
        var configuration = new Dictionary<string, string?>(broker.Configuration, StringComparer.OrdinalIgnoreCase)
        {
            ["Smtp:Host"] = "127.0.0.1",
            ["Smtp:Port"] = smtpPort.ToString(CultureInfo.InvariantCulture),
            ["Smtp:Security"] = "None",
            ["Providers:Dns:Servers:0"] = $"127.0.0.1:{dns.Port}",

            // Lanes stay until the end, so the report can count what went into them (the broker forgets a deleted queue's counts).
            ["Scheduler:Lanes:CloseAfter"] = "01:00:00",
        };
        foreach (var (key, value) in scenario.WorkerLimits())
        {
            configuration[key] = value;
        }

        await output.WriteLineAsync($"Sluice outage demo: {size} messages; receivers' true limits per minute: "
            + string.Join(", ", scenario.Providers.Select(p => $"{p.Name} {p.Limit}")) + $", {scenario.SmallDomains} small domains {scenario.SmallLimit} each; "
            + $"the worker is configured at {believed:0.##} × those limits.");
        await output.WriteLineAsync($"  worker log: {log}; broker vhost: {broker.VirtualHost}");

        var workers = new List<Process>();
        async Task StartWorkerAsync()
        {
            var (process, port) = await BenchWorker.StartReadyProcessAsync(
                new Dictionary<string, string?>(configuration, StringComparer.OrdinalIgnoreCase), workers.Count == 0 ? log : $"{log}.{workers.Count + 1}");
            workers.Add(process);
            await output.WriteLineAsync($"  worker {workers.Count} is ready; its metrics: http://127.0.0.1:{port}/metrics");
        }

        // The owner is the oldest worker alive: the others stand by until it dies.
        Process Owner() => workers.First(w => !w.HasExited);
        await StartWorkerAsync();
        var factory = new ConnectionFactory { HostName = "localhost", VirtualHost = broker.VirtualHost };
        await using var connection = await factory.CreateConnectionAsync();
        await using var publisher = await OutboundMailPublisher.CreateAsync(connection);
        var clock = Stopwatch.StartNew();
        foreach (var batch in recipients.Chunk(500))
        {
            await Task.WhenAll(batch.Select(r => publisher.PublishAsync(Backlog.Mail(r))));
        }

        await output.WriteLineAsync($"  published {recipients.Count} messages in {clock.Elapsed.TotalSeconds:0.0} s; the smarthost stays DOWN for {outage.TotalSeconds:0} s …");
        ReceivingSimulator? simulator = null;
        var killedAt = new List<DateTimeOffset>();
        try
        {
            if (restartBeforeReturn)
            {
                await WatchAsync(null, broker, clock, outage - TimeSpan.FromSeconds(10) - clock.Elapsed, output);
                Owner().Kill(entireProcessTree: true);
                await output.WriteLineAsync($"  t+{clock.Elapsed.TotalSeconds:0}s the worker is KILLED (SIGKILL) and a new one started, just before the smarthost returns");
                await StartWorkerAsync();
            }

            if (kills > 0)
            {
                await StartWorkerAsync();
            }

            await WatchAsync(null, broker, clock, outage - clock.Elapsed, output);
            simulator = ReceivingSimulator.Start(scenario.Simulator(smtpPort));
            var upAt = simulator.Time.GetUtcNow();
            await output.WriteLineAsync($"  t+{clock.Elapsed.TotalSeconds:0}s the smarthost is UP; Sluice drains:");
            int deliverable = recipients.Count - scenario.UnknownUsers;
            var timeout = TimeSpan.FromMinutes(3) + (3 * Ideal(scenario, recipients));
            while (simulator.DeliveredCount < deliverable && clock.Elapsed < outage + timeout && workers.Any(w => !w.HasExited))
            {
                await WatchAsync(simulator, broker, clock, TimeSpan.FromSeconds(10), output);
                if (killedAt.Count < kills && simulator.DeliveredCount >= (killedAt.Count + 1) * deliverable / (kills + 1))
                {
                    killedAt.Add(simulator.Time.GetUtcNow());
                    Owner().Kill(entireProcessTree: true);
                    await output.WriteLineAsync($"  t+{clock.Elapsed.TotalSeconds:0}s the owning worker is KILLED (SIGKILL); a standby takes over");
                    await StartWorkerAsync();
                }
            }

            await Task.Delay(TimeSpan.FromSeconds(6)); // let failures settle and the management API catch up
            await ReportAsync(scenario, recipients, simulator, connection, broker, upAt, killedAt, output);
        }
        finally
        {
            foreach (var worker in workers)
            {
                worker.Kill(entireProcessTree: true);
                await worker.WaitForExitAsync();
                worker.Dispose();
            }

            if (simulator is not null)
            {
                await simulator.DisposeAsync();
            }
        }

        return 0;
    }

    private static async Task WatchAsync(ReceivingSimulator? simulator, BenchBroker broker, Stopwatch clock, TimeSpan period, TextWriter output)
    {
        var until = clock.Elapsed + period;
        while (clock.Elapsed < until)
        {
            await Task.Delay(TimeSpan.FromSeconds(5));
            var records = simulator?.Records.ToList() ?? [];
            long queued = await broker.QueuedAsync();
            long failed = await broker.QueuedAsync(QueueNames.Failed);
            await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"    t+{clock.Elapsed.TotalSeconds,4:0}s  delivered {RecordAnalysis.Deliveries(records).Count,6}  queued {queued,6}  "
                + $"failed {failed,3}  throttle replies {Throttles(records),4}  bans {Bans(records)}"));
            if (simulator is not null && simulator.DeliveredCount > 0 && queued == failed)
            {
                return;
            }
        }
    }

    private static async Task ReportAsync(
        DemoScenario scenario, List<string> recipients, ReceivingSimulator simulator, IConnection connection, BenchBroker broker, DateTimeOffset upAt,
        List<DateTimeOffset> killedAt, TextWriter output)
    {
        var records = simulator.Records.ToList();
        var deliveries = RecordAnalysis.Deliveries(records);
        var delivered = deliveries.Keys.Select(k => k.Recipient).ToHashSet(StringComparer.OrdinalIgnoreCase);
        var failed = await HeldAsync(connection, QueueNames.Failed);
        var parked = await HeldAsync(connection, QueueNames.Parked);
        long queued = await broker.QueuedAsync() - failed.Count - parked.Count;
        var accounted = delivered.Concat(failed.SelectMany(f => f.Recipients)).Concat(parked.SelectMany(p => p.Recipients)).ToHashSet(StringComparer.OrdinalIgnoreCase);
        // A recipient not delivered, failed or parked may still be in a queue; copies of mail already delivered (an owner
        // killed between its move and its ack) may be queued too, waiting to be skipped by the journal: never negative.
        long unaccounted = recipients.Count(r => !accounted.Contains(r));
        long lost = Math.Max(0, unaccounted - Math.Max(0, queued));
        var lastDelivery = records.Where(r => r.Stage == ReplyRecord.RcptStage && r.IsAccepted).Max(r => (DateTimeOffset?)r.At);
        var drain = (lastDelivery ?? upAt) - upAt;
        var firstDelivery = records.Where(r => r.IsAccepted).Min(r => (DateTimeOffset?)r.At);
        var ideal = Ideal(scenario, recipients);

        await output.WriteLineAsync();
        await output.WriteLineAsync("REPORT");
        await output.WriteLineAsync($"  published            {recipients.Count}");
        await output.WriteLineAsync($"  delivered            {delivered.Count} (duplicates {deliveries.Values.Sum() - deliveries.Count})");
        await output.WriteLineAsync($"  failed               {failed.Count}" + (failed.Count == 0 ? string.Empty
            : " — " + string.Join("; ", failed.GroupBy(f => f.Reason).Select(g => $"{g.Count()} × {g.Key} ({g.First().Detail})"))));
        await output.WriteLineAsync($"  parked               {parked.Count}");
        await output.WriteLineAsync($"  still queued         {queued}" + (queued > 0 && unaccounted == 0
            ? "   (every recipient is accounted for: copies of delivered mail, skipped by the journal when their turn comes)"
            : string.Empty));
        await output.WriteLineAsync($"  lost                 {lost}   (must be 0)");
        var entered = await broker.EnteredPerQueueAsync();
        long workerPublishes = entered.Where(e => BenchBroker.IsMailQueue(e.Key) && e.Key != QueueNames.Intake).Sum(e => e.Value);
        await output.WriteLineAsync($"  churn                {workerPublishes / (double)Math.Max(1, delivered.Count):0.00} worker publishes per delivered message   (target ≤ 2)");
        var lanes = entered.Where(e => e.Key.StartsWith(QueueNames.LanePrefix, StringComparison.Ordinal) && e.Value > 0).ToList();
        await output.WriteLineAsync("    by queue: " + string.Join(", ", entered
            .Where(e => BenchBroker.IsMailQueue(e.Key) && !e.Key.StartsWith(QueueNames.LanePrefix, StringComparison.Ordinal) && e.Value > 0)
            .Append(new($"{lanes.Count} lanes", lanes.Sum(l => l.Value)))
            .OrderByDescending(e => e.Value).Select(e => $"{e.Key} {e.Value}")));
        await output.WriteLineAsync($"  throttle replies     {Throttles(records)}");
        await output.WriteLineAsync($"  bans                 {Bans(records)}   (goal 0; the simulator bans a provider after {DemoScenario.BanAfterThrottles} throttle replies)");
        await output.WriteLineAsync($"  first delivery       {((firstDelivery ?? upAt) - upAt).TotalSeconds:0.0} s after the smarthost came back (reconnect back-off)");
        await output.WriteLineAsync($"  drain                {drain.TotalSeconds:0} s from the smarthost coming back to the last delivery");
        await output.WriteLineAsync($"  ideal                {ideal.TotalSeconds:0} s (the busiest provider's messages ÷ its true limit)");
        await output.WriteLineAsync($"  drain ÷ ideal        {drain / ideal:0.00}   (target ≤ {(scenario.Believed > 1 ? "1.30" : "1.05")})");
        if (killedAt.Count > 0)
        {
            // The hand-over gap: from the kill to the next recipient any worker got accepted.
            var gaps = killedAt.Select(kill => records.Where(r => r.Stage == ReplyRecord.RcptStage && r.IsAccepted && r.At > kill).Min(r => (DateTimeOffset?)r.At) is { } next
                ? $"{(next - kill).TotalSeconds:0.0} s" : "none");
            await output.WriteLineAsync($"  hand-over gaps       {string.Join(", ", gaps)}   (owner killed → next delivery)");
        }

        await output.WriteLineAsync("  per provider: fidelity = most RCPTs in any window ÷ true limit; utilization = accepted in the whole windows");
        await output.WriteLineAsync("  between the provider's first and last delivery ÷ (true limit × those windows)");
        foreach (var (partition, limit, messages) in scenario.Partitions(recipients))
        {
            await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"  {partition,-14} {messages,5} messages at {limit}/min: fidelity {RecordAnalysis.MaxAttemptsInAnyWindow(records, partition, DemoScenario.Window) / (double)limit:0.000}, "
                + $"utilization {Utilization(records, partition, limit)}"));
        }
    }

    /// <summary>Accepted ÷ the limit over the whole windows a provider was backlogged for (its first to its last delivery).</summary>
    private static string Utilization(List<ReplyRecord> records, string partition, int limit)
    {
        var accepted = records.Where(r => r.Stage == ReplyRecord.RcptStage && r.IsAccepted && r.Partition == partition).Select(r => r.At).ToList();
        if (accepted.Count == 0)
        {
            return "-";
        }

        var upAt = accepted.Min();
        int windows = (int)((accepted.Max() - upAt) / DemoScenario.Window);
        if (windows == 0)
        {
            return "- (drained within one window)";
        }

        var end = upAt + (DemoScenario.Window * windows);
        double utilization = accepted.Count(at => at < end) / ((double)limit * windows);
        return string.Create(CultureInfo.InvariantCulture, $"{utilization:0.000} over {windows} window(s)");
    }

    /// <summary>The busiest provider's backlog at its true rate: the drain time no sender that respects the limits can beat by more than one window.</summary>
    private static TimeSpan Ideal(DemoScenario scenario, IReadOnlyList<string> recipients) =>
        scenario.Partitions(recipients).Max(p => DemoScenario.Window * ((double)p.Messages / p.Limit));

    private static int Throttles(List<ReplyRecord> records) => records.Count(r => r.Code is 421 or 450 or 451 or 452 && r.Reply.Contains("4.7.", StringComparison.Ordinal));

    private static int Bans(List<ReplyRecord> records) => records.Count(r => r.Reply.Contains("5.7.705", StringComparison.Ordinal));

    /// <summary>Reads every message of a holding queue without taking it (closing the channel returns them).</summary>
    private static async Task<List<HeldCopy>> HeldAsync(IConnection connection, string queue)
    {
        var held = new List<HeldCopy>();
        await using var channel = await connection.CreateChannelAsync();
        while (await channel.BasicGetAsync(queue, autoAck: false) is { } message)
        {
            var headers = message.BasicProperties.Headers;
            held.Add(new HeldCopy(
                MailHeaders.GetString(headers, MailHeaders.Reason) ?? "?",
                MailHeaders.GetString(headers, MailHeaders.Detail) ?? string.Empty,
                EgressEnvelope.TryDecodeRecipients(MailHeaders.GetString(headers, MailHeaders.Recipients) ?? "[]") ?? []));
        }

        await channel.CloseAsync();
        return held;
    }

    private sealed record HeldCopy(string Reason, string Detail, string[] Recipients);
}
