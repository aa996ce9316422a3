using System.Globalization;
using System.Security.Cryptography;
using Sluice.Contracts;
using Sluice.Contracts.Publishing;
using Sluice.Simulator;
using Sluice.Tests.Infrastructure;
using Sluice.Worker.Status;
using Sluice.Worker.Topology;

namespace Sluice.Tests.Signing;

/// <summary>The preflight in the worker: a sender domain that fails is shown in status and, under Hold, its mail waits until it passes.</summary>
public sealed class SenderPreflightTests
{
    private static readonly TimeSpan HangGuard = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Under_hold_a_failing_senders_mail_waits_until_its_domain_passes_while_others_are_sent()
    {
        using var good = RSA.Create(2048);
        using var bad = RSA.Create(2048);
        var dnsOptions = new DnsOptions
        {
            Port = 0,
            TxtTimeToLive = 0,
            Txt =
            {
                ["good.example"] = "v=spf1 ip4:203.0.113.7 -all",
                ["s1._domainkey.good.example"] = DkimRecords.Rsa(good),
                ["bad.example"] = "v=spf1 ip4:198.51.100.9 -all",
                ["s1._domainkey.bad.example"] = DkimRecords.Rsa(bad),
            },
        };
        using var dns = SimulatedDns.Start(dnsOptions);
        await using var broker = await TestBroker.CreateAsync();
        await using var simulator = ReceivingSimulator.Start(new SimulatorOptions { Port = 0 });
        await using var worker = await InProcessWorker.StartAsync(PipelineConfiguration.For(broker, simulator,
            ("Providers:Dns:Servers:0", $"127.0.0.1:{dns.Port.ToString(CultureInfo.InvariantCulture)}"),
            ("Smtp:SendingAddresses:0", "203.0.113.7"),
            ("Dkim:Keys:0:Domain", "good.example"), ("Dkim:Keys:0:Selector", "s1"), ("Dkim:Keys:0:PrivateKey", good.ExportRSAPrivateKeyPem()),
            ("Dkim:Keys:1:Domain", "bad.example"), ("Dkim:Keys:1:Selector", "s1"), ("Dkim:Keys:1:PrivateKey", bad.ExportRSAPrivateKeyPem()),
            ("Preflight:Policy", "Hold"), ("Preflight:Interval", "00:00:01"),
            ("Scheduler:PausedRecheck", "00:00:01"), ("Scheduler:StatusInterval", "00:00:00.200")));
        await using var connection = await broker.ConnectAsync();

        // The owner's status shows the preflight's verdict once it has run.
        EgressSnapshot? snapshot;
        while ((snapshot = await StatusReader.LatestSnapshotAsync(connection, QueueNames.DefaultEgress, HangGuard, CancellationToken.None)) is not { Senders.Count: 2 })
        {
        }

        var senders = snapshot.Senders!.ToDictionary(s => s.Domain);
        Assert.True(senders["good.example"].Ok);
        Assert.Equal((false, true), (senders["bad.example"].Ok, senders["bad.example"].Held));
        Assert.Contains("spf fail", senders["bad.example"].Failing, StringComparison.Ordinal);

        await using var publisher = await OutboundMailPublisher.CreateAsync(connection);
        await publisher.PublishAsync(SampleMail.To("a@receiver.example") with { From = new EmailAddress { Address = "support@bad.example" } });
        await publisher.PublishAsync(SampleMail.To("b@receiver.example") with { From = new EmailAddress { Address = "support@good.example" } });
        await simulator.WaitUntilAsync(s => s.DeliveredCount == 1, HangGuard);
        Assert.DoesNotContain(simulator.Records, r => r.Recipient == "a@receiver.example");

        // The client fixes its SPF: the next preflight passes, and the held message goes at its next look.
        dnsOptions.Txt["bad.example"] = "v=spf1 ip4:203.0.113.7 -all";
        await simulator.WaitUntilAsync(s => s.DeliveredCount == 2, HangGuard);
        Assert.Contains(simulator.Records, r => r.Recipient == "a@receiver.example" && r.Stage == ReplyRecord.DataStage);
    }
}
