using Sluice.Contracts.Publishing;
using Sluice.Simulator;
using Sluice.Tests.Infrastructure;
using Sluice.Worker.Status;
using Sluice.Worker.Topology;

namespace Sluice.Tests.Pipeline;

/// <summary>The story's failure: a receiver bans the sender. Sluice must stop, and keep every message.</summary>
public sealed class BanBreakerTests
{
    private static readonly TimeSpan HangGuard = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task A_ban_reply_suspends_the_egress_keeps_every_message_and_resume_by_hand_lifts_it()
    {
        await using var broker = await TestBroker.CreateAsync();

        // Accepts 3 a second; after one throttle reply it answers 550 5.7.705 to everything.
        await using var simulator = ReceivingSimulator.Start(new SimulatorOptions
        {
            Port = 0,
            Rules = [new DomainRule { Pattern = "tenant.example", Limit = 3, Window = TimeSpan.FromSeconds(1), BanAfterThrottles = 1 }],
        });
        await using var worker = await InProcessWorker.StartAsync(PipelineConfiguration.For(broker, simulator,
            ("Retry:BanSuspension", "01:00:00"), ("Scheduler:StatusInterval", "00:00:00.200"), ("Scheduler:PausedRecheck", "00:00:01")));
        await using var connection = await broker.ConnectAsync();
        await using var publisher = await OutboundMailPublisher.CreateAsync(connection);
        var mails = await MailLoad.PublishAsync(publisher, ["tenant.example"], perDomain: 20);

        // Wait for the owner to report the suspension and account for every message: delivered, or waiting.
        EgressSnapshot? snapshot;
        do
        {
            snapshot = await StatusReader.LatestSnapshotAsync(connection, QueueNames.DefaultEgress, HangGuard, CancellationToken.None);
        }
        while (snapshot is null || snapshot.SuspendedUntil is null
               || RecordAnalysis.Deliveries(simulator.Records).Count + snapshot.Domains.Sum(d => d.Waiting) < mails.Count);

        var records = simulator.Records.ToList();
        var firstBan = records.FindIndex(r => r.Reply.Contains("5.7.705", StringComparison.Ordinal));
        Assert.True(firstBan >= 0, "the simulator never banned");

        // Sends already under way when the first ban came back may still arrive; nothing after that.
        int attemptsAfterBan = records.Skip(firstBan + 1).Count(r => r.Stage == ReplyRecord.RcptStage);
        Assert.InRange(attemptsAfterBan, 0, 4);
        Assert.Equal(mails.Count, RecordAnalysis.Deliveries(records).Count + snapshot.Domains.Sum(d => d.Waiting));
        Assert.Equal(0u, await QueueReader.CountAsync(connection, QueueNames.Failed));
        Assert.Equal(0u, await QueueReader.CountAsync(connection, QueueNames.Parked));

        // Resumed by hand, the egress sends again at once (and this receiver, still banning, suspends it again).
        int before = simulator.Records.Count;
        var resume = await SluiceCli.RunAsync(broker.Configuration, "resume", "egress:default");
        Assert.Equal(0, resume.ExitCode);
        await simulator.WaitUntilAsync(s => s.Records.Count > before, HangGuard);
        Assert.Equal(0u, await QueueReader.CountAsync(connection, QueueNames.Failed));
    }

    [Fact]
    public async Task A_receivers_ban_suspends_only_its_partition_and_the_rest_of_the_egress_goes_on()
    {
        await using var broker = await TestBroker.CreateAsync();

        // banned.example accepts 3 a second, then bans this sender's IP (Microsoft's inbound 5.7.606): a ban issued by
        // a receiver, about the mail it hosts. other.example takes everything.
        await using var simulator = ReceivingSimulator.Start(new SimulatorOptions
        {
            Port = 0,
            Rules =
            [
                new DomainRule
                {
                    Pattern = "banned.example", Limit = 3, Window = TimeSpan.FromSeconds(1), BanAfterThrottles = 1,
                    BanReply = "550 5.7.606 Access denied, banned sending IP [127.0.0.1].",
                },
            ],
        });
        await using var worker = await InProcessWorker.StartAsync(PipelineConfiguration.For(broker, simulator,
            ("Retry:BanSuspension", "01:00:00"), ("Scheduler:StatusInterval", "00:00:00.200")));
        await using var connection = await broker.ConnectAsync();
        await using var publisher = await OutboundMailPublisher.CreateAsync(connection);
        var banned = await MailLoad.PublishAsync(publisher, ["banned.example"], perDomain: 20);
        await simulator.WaitUntilAsync(s => s.Records.Any(r => r.Reply.Contains("5.7.606", StringComparison.Ordinal)), HangGuard);

        // While banned.example is suspended, mail to another receiver of the same egress is delivered.
        var others = await MailLoad.PublishAsync(publisher, ["other.example"], perDomain: 10);
        await simulator.WaitUntilAsync(s => RecordAnalysis.Deliveries(s.Records).Keys.Count(k => k.Recipient.EndsWith("@other.example", StringComparison.Ordinal)) == others.Count, HangGuard);

        var records = simulator.Records.ToList();
        int firstBan = records.FindIndex(r => r.Reply.Contains("5.7.606", StringComparison.Ordinal));
        Assert.InRange(records.Skip(firstBan + 1).Count(r => r.Stage == ReplyRecord.RcptStage && r.Recipient.EndsWith("@banned.example", StringComparison.Ordinal)), 0, 4);
        // The owner's status shows the partition banned and the egress not (a snapshot taken after both were seen).
        EgressSnapshot? snapshot;
        do
        {
            snapshot = await StatusReader.LatestSnapshotAsync(connection, QueueNames.DefaultEgress, HangGuard, CancellationToken.None);
            Assert.NotNull(snapshot);
        }
        while (snapshot.Domains.SingleOrDefault(d => d.Domain == "banned.example")?.SuspendedUntil is null
               || !snapshot.Domains.Any(d => d.Domain == "other.example"));

        Assert.Null(snapshot.SuspendedUntil);
        Assert.Null(snapshot.Domains.Single(d => d.Domain == "other.example").SuspendedUntil);
        Assert.Equal(0u, await QueueReader.CountAsync(connection, QueueNames.Failed));

        // Resumed by hand, the partition is sent to again (and, still banning, suspends itself again).
        int before = simulator.Records.Count(r => r.Recipient.EndsWith("@banned.example", StringComparison.Ordinal));
        var resume = await SluiceCli.RunAsync(broker.Configuration, "resume", "domain:banned.example");
        Assert.Equal(0, resume.ExitCode);
        await simulator.WaitUntilAsync(s => s.Records.Count(r => r.Recipient.EndsWith("@banned.example", StringComparison.Ordinal)) > before, HangGuard);
        Assert.Equal(0u, await QueueReader.CountAsync(connection, QueueNames.Failed));
        Assert.Equal(0u, await QueueReader.CountAsync(connection, QueueNames.Parked));
        Assert.NotEmpty(banned);
    }
}
