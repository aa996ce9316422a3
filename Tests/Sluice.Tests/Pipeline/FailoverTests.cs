using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Sluice.Contracts.Publishing;
using Sluice.Simulator;
using Sluice.Tests.Infrastructure;
using Sluice.Worker.Status;
using Sluice.Worker.Telemetry;
using Sluice.Worker.Topology;

namespace Sluice.Tests.Pipeline;

/// <summary>Owners that die or leave: a standby takes over from the delivery journal, without losing mail or breaking a limit.</summary>
public sealed class FailoverTests
{
    private static readonly TimeSpan HangGuard = TimeSpan.FromMinutes(2);
    private const string Owning = "now owns egress default";
    private const int Connections = 4;

    [Fact]
    public async Task Killing_the_owner_three_times_mid_drain_loses_nothing_and_breaks_no_limit()
    {
        string[] domains = ["one.example", "two.example"];
        const int limit = 40;
        const int kills = 3;
        await using var broker = await TestBroker.CreateAsync();
        await using var simulator = ReceivingSimulator.Start(new SimulatorOptions
        {
            Port = 0,
            Rules = [new DomainRule { Pattern = "*", Limit = limit, Window = TimeSpan.FromSeconds(1) }],
        });
        var configuration = PipelineConfiguration.For(broker, simulator,
            ("Limits:Default:PermitLimit", "40"),
            ("Logging:LogLevel:Sluice.Worker.Scheduling", "Information"));

        var workers = new List<WorkerProcess> { WorkerProcess.Start(configuration) };
        try
        {
            await workers[0].WaitForOutputAsync(Owning, HangGuard);
            await using var connection = await broker.ConnectAsync();
            await using var publisher = await OutboundMailPublisher.CreateAsync(connection);
            var mails = await MailLoad.PublishAsync(publisher, domains, perDomain: 250);

            for (int kill = 1; kill <= kills; kill++)
            {
                var standby = WorkerProcess.Start(configuration);
                workers.Add(standby);
                await standby.WaitForOutputAsync("standing by", HangGuard);
                int target = kill * mails.Count / (kills + 1);
                await simulator.WaitUntilAsync(s => s.DeliveredCount >= target, HangGuard);
                workers[^2].Kill();
                await standby.WaitForOutputAsync(Owning, HangGuard);
            }

            await simulator.WaitUntilAsync(s => RecordAnalysis.Deliveries(s.Records).Count >= mails.Count, HangGuard);

            // Nothing lost, and each new owner counted from the journal what the dead one used of every window:
            // no hold, and no window over the limit. A duplicate needs a kill between the receiver's 250 and the
            // journal's confirm of that send: at most one per SMTP connection per kill.
            var deliveries = RecordAnalysis.Deliveries(simulator.Records);
            Assert.Equal(mails.Select(m => m.To[0].Address).Order(), deliveries.Keys.Select(k => k.Recipient).Order());
            Assert.InRange(deliveries.Values.Sum() - deliveries.Count, 0, kills * Connections);
            foreach (string domain in domains)
            {
                int most = RecordAnalysis.MaxAttemptsInAnyWindow(simulator.Records, domain, TimeSpan.FromSeconds(1));
                Assert.True(most <= limit, $"{domain}: {most} recipients in one window across the hand-overs, limit {limit}");
            }

            Assert.Equal(0u, await QueueReader.CountAsync(connection, QueueNames.Failed));
            Assert.Contains("delivery journal records", workers[^1].Output, StringComparison.Ordinal);
        }
        finally
        {
            foreach (var worker in workers)
            {
                await worker.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task The_day_quota_continues_with_the_next_owner()
    {
        const int perDay = 30;
        await using var broker = await TestBroker.CreateAsync();
        await using var simulator = ReceivingSimulator.Start(new SimulatorOptions { Port = 0 });
        var configuration = PipelineConfiguration.For(broker, simulator,
            ("Limits:Default:PermitLimit", "10"),
            ("Limits:Egress:PerDay", perDay.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            ("Scheduler:Lanes:Hold", "1"), ("Scheduler:Lanes:PriorityHold", "0"), ("Telemetry:QueueSampleInterval", "00:00:01"));

        await using var connection = await broker.ConnectAsync();
        await using var publisher = await OutboundMailPublisher.CreateAsync(connection);
        var first = await InProcessWorker.StartAsync(configuration);
        await MailLoad.PublishAsync(publisher, ["quota.example"], perDomain: 50);
        await simulator.WaitUntilAsync(s => s.DeliveredCount >= 12, HangGuard);
        await first.DisposeAsync();
        int firstOwner = simulator.DeliveredCount;

        // The second owner sends what is left of the day's quota; the other 20 wait in their lane for the day's first
        // permit to come back (one held by the owner, the rest on the broker). Judged at each status snapshot.
        await using var second = await InProcessWorker.StartAsync(configuration);
        string lane = QueueNames.Lane(QueueNames.DefaultEgress, "quota.example");
        while (simulator.DeliveredCount < perDay || await QueueReader.CountAsync(connection, lane) < 50 - perDay - 1)
        {
            Assert.NotNull(await StatusReader.LatestSnapshotAsync(connection, QueueNames.DefaultEgress, HangGuard, CancellationToken.None));
        }

        Assert.InRange(firstOwner, 12, perDay - 1);
        Assert.Equal(perDay, simulator.DeliveredCount);

        // Status counts the lane's mail the first owner moved there, which the second never saw move: the broker's
        // count of the lane (sampled) and the one message the owner holds.
        var clock = System.Diagnostics.Stopwatch.StartNew();
        long waiting = 0;
        while (waiting != 50 - perDay && clock.Elapsed < HangGuard)
        {
            var snapshot = await StatusReader.LatestSnapshotAsync(connection, QueueNames.DefaultEgress, HangGuard, CancellationToken.None);
            waiting = snapshot?.Domains.FirstOrDefault(d => d.Domain == "quota.example")?.Waiting ?? 0;
        }

        Assert.Equal(50 - perDay, waiting);
    }

    [Fact]
    public async Task Mail_in_a_lane_the_journal_no_longer_names_is_found_from_the_last_status_snapshot()
    {
        const int mails = 12;
        await using var broker = await TestBroker.CreateAsync();
        await using var simulator = ReceivingSimulator.Start(new SimulatorOptions { Port = 0 });
        var configuration = PipelineConfiguration.For(broker, simulator,
            ("Limits:Default:PermitLimit", "2"), ("Limits:Default:Window", "00:00:02"),
            ("Scheduler:Lanes:Hold", "1"), ("Scheduler:Lanes:PriorityHold", "0"),
            ("Scheduler:StatusInterval", "00:00:00.200"), ("Telemetry:QueueSampleInterval", "00:00:01"));
        await using var connection = await broker.ConnectAsync();
        await using var publisher = await OutboundMailPublisher.CreateAsync(connection);
        string lane = QueueNames.Lane(QueueNames.DefaultEgress, "lanes.example");

        // The first owner moves most of the backlog into the partition's lane, and its status says mail waits there.
        await using (var first = await InProcessWorker.StartAsync(configuration))
        {
            await MailLoad.PublishAsync(publisher, ["lanes.example"], perDomain: mails);
            await simulator.WaitUntilAsync(s => s.DeliveredCount >= 2, HangGuard);
            while (await LaneCountAsync() < 5
                || (await StatusReader.LatestSnapshotAsync(connection, QueueNames.DefaultEgress, HangGuard, CancellationToken.None, take: false))?
                    .Domains.FirstOrDefault(d => d.Domain == "lanes.example")?.Waiting is not > 0)
            {
                // Each snapshot read is the event: the owner writes one every 200 ms.
            }
        }

        // The journal that named the lane is gone (deleted here; unreadable or aged out in life); the topology at the next
        // start declares it again, empty.
        await using (var channel = await connection.CreateChannelAsync())
        {
            await channel.QueueDeleteAsync(QueueNames.Journal(QueueNames.DefaultEgress), ifUnused: false, ifEmpty: false);
        }

        int before = simulator.DeliveredCount;
        Assert.True(before < mails, "the first owner sent everything: nothing was left in the lane to find");
        await using var second = await InProcessWorker.StartAsync(configuration);
        await simulator.WaitUntilAsync(s => s.DeliveredCount >= mails, HangGuard);
        Assert.Equal(mails, RecordAnalysis.Deliveries(simulator.Records).Count);
        Assert.Equal(0u, await LaneCountAsync());

        // The owner declares a lane when it first needs one, and deletes it once idle: not there counts as empty.
        async Task<uint> LaneCountAsync()
        {
            try
            {
                return await QueueReader.CountAsync(connection, lane);
            }
            catch (RabbitMQ.Client.Exceptions.OperationInterruptedException e) when (e.ShutdownReason?.ReplyCode == 404)
            {
                return 0;
            }
        }
    }
}
