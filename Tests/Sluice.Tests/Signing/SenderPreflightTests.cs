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

    [Fact]
    public async Task Each_egress_is_checked_against_its_own_sending_addresses_and_holds_only_where_it_fails()
    {
        using var key = RSA.Create(2048);
        var dnsOptions = new DnsOptions
        {
            Port = 0,
            Txt =
            {
                // globex.example authorises the relay's address, not the m365 route's.
                ["globex.example"] = "v=spf1 ip4:203.0.113.7 -all",
                ["s1._domainkey.globex.example"] = DkimRecords.Rsa(key),
            },
        };
        using var dns = SimulatedDns.Start(dnsOptions);
        await using var broker = await TestBroker.CreateAsync();
        await using var relay = ReceivingSimulator.Start(new SimulatorOptions { Port = 0 });
        await using var m365 = ReceivingSimulator.Start(new SimulatorOptions { Port = 0 });
        await using var worker = await InProcessWorker.StartAsync(PipelineConfiguration.For(broker, relay,
            ("Topology:Egresses:0", "default"), ("Topology:Egresses:1", "m365"),
            ("Egresses:m365:Smtp:Port", m365.Port.ToString(CultureInfo.InvariantCulture)),
            ("Egresses:m365:Smtp:SendingAddresses:0", "198.51.100.9"),
            ("Smtp:SendingAddresses:0", "203.0.113.7"),
            ("Senders:Tenants:globex:0", "globex.example"),
            ("Routing:Rules:0:Tenant", "globex"), ("Routing:Rules:0:Egress", "m365"),
            ("Providers:Dns:Servers:0", $"127.0.0.1:{dns.Port.ToString(CultureInfo.InvariantCulture)}"),
            ("Dkim:Keys:0:Domain", "globex.example"), ("Dkim:Keys:0:Selector", "s1"), ("Dkim:Keys:0:PrivateKey", key.ExportRSAPrivateKeyPem()),
            ("Preflight:Policy", "Hold"), ("Scheduler:PausedRecheck", "00:00:01"), ("Scheduler:StatusInterval", "00:00:00.200")));
        await using var connection = await broker.ConnectAsync();

        // Each egress's owner shows the verdict for its own route.
        EgressSnapshot? onM365, onDefault;
        while ((onM365 = await StatusReader.LatestSnapshotAsync(connection, "m365", HangGuard, CancellationToken.None)) is not { Senders.Count: 1 })
        {
        }

        while ((onDefault = await StatusReader.LatestSnapshotAsync(connection, QueueNames.DefaultEgress, HangGuard, CancellationToken.None)) is not { Senders.Count: 1 })
        {
        }

        Assert.Equal((false, true), (onM365.Senders![0].Ok, onM365.Senders[0].Held));
        Assert.True(onDefault.Senders![0].Ok);

        // Routed to m365 by the tenant rule, it waits; sent by its egress field through the relay, it goes.
        var mail = SampleMail.To("a@receiver.example") with { Tenant = "globex", From = new EmailAddress { Address = "support@globex.example" } };
        await using var publisher = await OutboundMailPublisher.CreateAsync(connection);
        await publisher.PublishAsync(mail with { Id = "via-m365" });
        await publisher.PublishAsync(mail with { Id = "via-relay", To = [new EmailAddress { Address = "b@receiver.example" }], Egress = "default" });
        await relay.WaitUntilAsync(s => s.DeliveredCount == 1, HangGuard);
        Assert.Equal(0, m365.DeliveredCount);
        Assert.DoesNotContain(relay.Records, r => r.Recipient == "a@receiver.example");
        Assert.Contains(relay.Records, r => r.Recipient == "b@receiver.example" && r.Stage == ReplyRecord.DataStage);
    }
}
