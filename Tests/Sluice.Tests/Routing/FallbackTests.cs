using Sluice.Contracts.Publishing;
using Sluice.Simulator;
using Sluice.Tests.Infrastructure;

namespace Sluice.Tests.Routing;

/// <summary>A banned egress with a fallback: its mail goes out through the other route, exactly once, and the banned one is left alone.</summary>
public sealed class FallbackTests
{
    private static readonly TimeSpan HangGuard = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task While_a_ban_suspends_an_egress_its_mail_is_delivered_through_the_fallback_exactly_once()
    {
        await using var broker = await TestBroker.CreateAsync();

        // Route "relay" accepts one recipient an hour in all; after one throttle reply it answers 550 5.7.705 (a ban of
        // the sending account) to everything. Route "backup" accepts everything.
        await using var relay = ReceivingSimulator.Start(new SimulatorOptions
        {
            Port = 0,
            Rules = [new DomainRule { Pattern = "*", Scope = LimitScope.Rule, Limit = 1, Window = TimeSpan.FromHours(1), BanAfterThrottles = 1 }],
        });
        await using var backup = ReceivingSimulator.Start(new SimulatorOptions { Port = 0 });
        var configuration = PipelineConfiguration.For(broker, relay,
            ("Topology:Egresses:0", "relay"), ("Topology:Egresses:1", "backup"), ("Routing:Default", "relay"),
            ("Egresses:relay:Fallback", "backup"), ("Egresses:relay:Smtp:Connections", "1"),
            ("Egresses:backup:Smtp:Port", backup.Port.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            ("Retry:BanSuspension", "01:00:00"), ("Scheduler:PausedRecheck", "00:00:01"));
        var cli = configuration.Where(c => c.Key.StartsWith("Broker:", StringComparison.Ordinal) || c.Key.StartsWith("Topology:", StringComparison.Ordinal)).ToList();
        await using var worker = await InProcessWorker.StartAsync(configuration);
        await using var connection = await broker.ConnectAsync();
        await using var publisher = await OutboundMailPublisher.CreateAsync(connection);

        // One recipient per domain, so a throttled domain's cool-down does not hold the others back.
        var recipients = Enumerable.Range(0, 12).Select(i => $"user{i}@d{i}.example").ToList();
        foreach (string recipient in recipients)
        {
            await publisher.PublishAsync(SampleMail.To(recipient));
        }

        await backup.WaitUntilAsync(s => s.DeliveredCount + relay.DeliveredCount >= recipients.Count, HangGuard);
        var banAt = relay.Records.First(r => r.Reply.Contains("5.7.705", StringComparison.Ordinal)).At;

        // Every recipient exactly once, across both routes; the relay (one connection, so nothing was in flight beside the
        // banned transaction) got nothing after its ban.
        var delivered = RecordAnalysis.Deliveries(relay.Records).Concat(RecordAnalysis.Deliveries(backup.Records)).ToList();
        Assert.Equal(recipients.Order(StringComparer.Ordinal), delivered.Select(d => d.Key.Recipient).Order(StringComparer.Ordinal));
        Assert.All(delivered, d => Assert.Equal(1, d.Value));
        Assert.Equal(1, relay.DeliveredCount);
        Assert.DoesNotContain(relay.Records, r => r.At > banAt && r.Stage == ReplyRecord.RcptStage);

        // Resumed by hand, the relay is used again for new mail (it still refuses; what matters is that it is asked).
        int relayAttempts = relay.Records.Count(r => r.Stage == ReplyRecord.RcptStage);
        Assert.Equal(0, (await SluiceCli.RunAsync(cli, "resume", "egress:relay")).ExitCode);

        // The owner applies the resume when it reads the control stream: until then new mail would still go to the fallback.
        while (await Sluice.Worker.Status.StatusReader.LatestSnapshotAsync(connection, "relay", HangGuard, CancellationToken.None) is not { SuspendedUntil: null })
        {
        }

        await publisher.PublishAsync(SampleMail.To("after@later.example"));
        await relay.WaitUntilAsync(s => s.Records.Count(r => r.Stage == ReplyRecord.RcptStage) > relayAttempts, HangGuard);
        Assert.Contains(relay.Records, r => r.Recipient == "after@later.example");
    }

    [Fact]
    public async Task A_receivers_ban_of_one_partition_moves_only_that_partitions_mail_to_the_fallback()
    {
        await using var broker = await TestBroker.CreateAsync();

        // The relay's receiver for banned.example takes one an hour and bans this sender (5.7.606, a partition's ban)
        // after one throttle; everything else it accepts.
        await using var relay = ReceivingSimulator.Start(new SimulatorOptions
        {
            Port = 0,
            Rules =
            [
                new DomainRule
                {
                    Pattern = "banned.example", Limit = 1, Window = TimeSpan.FromHours(1), BanAfterThrottles = 1,
                    BanReply = "550 5.7.606 Access denied, banned sending IP [127.0.0.1].",
                },
            ],
        });
        await using var backup = ReceivingSimulator.Start(new SimulatorOptions { Port = 0 });
        await using var worker = await InProcessWorker.StartAsync(PipelineConfiguration.For(broker, relay,
            ("Topology:Egresses:0", "relay"), ("Topology:Egresses:1", "backup"), ("Routing:Default", "relay"),
            ("Egresses:relay:Fallback", "backup"), ("Egresses:relay:Smtp:Connections", "1"),
            ("Egresses:backup:Smtp:Port", backup.Port.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            ("Retry:BanSuspension", "01:00:00"), ("Scheduler:PausedRecheck", "00:00:01")));
        await using var connection = await broker.ConnectAsync();
        await using var publisher = await OutboundMailPublisher.CreateAsync(connection);
        var banned = Enumerable.Range(0, 6).Select(i => $"user{i}@banned.example").ToList();
        var other = Enumerable.Range(0, 3).Select(i => $"user{i}@other.example").ToList();
        foreach (string recipient in banned.Concat(other))
        {
            await publisher.PublishAsync(SampleMail.To(recipient));
        }

        await backup.WaitUntilAsync(s => s.DeliveredCount + relay.DeliveredCount >= banned.Count + other.Count, HangGuard);

        // other.example never left the relay; banned.example's first went there, the rest through the fallback; each once.
        var viaRelay = RecordAnalysis.Deliveries(relay.Records);
        var viaBackup = RecordAnalysis.Deliveries(backup.Records);
        Assert.All(viaRelay.Concat(viaBackup), d => Assert.Equal(1, d.Value));
        Assert.Equal(other, viaRelay.Keys.Select(k => k.Recipient).Where(r => r.EndsWith("@other.example", StringComparison.Ordinal)).Order(StringComparer.Ordinal));
        Assert.DoesNotContain(viaBackup.Keys, k => k.Recipient.EndsWith("@other.example", StringComparison.Ordinal));
        Assert.Single(viaRelay.Keys, k => k.Recipient.EndsWith("@banned.example", StringComparison.Ordinal));
        Assert.Equal(banned.Count - 1, viaBackup.Count);
    }
}
