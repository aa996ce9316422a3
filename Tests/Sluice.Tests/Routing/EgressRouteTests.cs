using Sluice.Contracts;
using Sluice.Contracts.Publishing;
using Sluice.Simulator;
using Sluice.Tests.Infrastructure;

namespace Sluice.Tests.Routing;

/// <summary>Two egresses, two smarthosts: mail lands where its field or the routing rules send it, under that egress's own settings.</summary>
public sealed class EgressRouteTests
{
    private static readonly TimeSpan HangGuard = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Each_egress_sends_through_its_own_smarthost_address_and_limits()
    {
        await using var broker = await TestBroker.CreateAsync();
        await using var relay = ReceivingSimulator.Start(new SimulatorOptions { Port = 0 });
        await using var m365 = ReceivingSimulator.Start(new SimulatorOptions { Port = 0 });

        // Egress m365 has its own smarthost, leaves from 127.0.0.2 and allows one recipient per domain an hour;
        // everything else is the defaults (the relay simulator, a thousand a second).
        await using var worker = await InProcessWorker.StartAsync(PipelineConfiguration.For(broker, relay,
            ("Topology:Egresses:0", "default"), ("Topology:Egresses:1", "m365"),
            ("Egresses:m365:Smtp:Port", m365.Port.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            ("Egresses:m365:Smtp:LocalAddress", "127.0.0.2"),
            ("Egresses:m365:Limits:Default:PermitLimit", "1"), ("Egresses:m365:Limits:Default:Window", "01:00:00"),
            ("Routing:Rules:0:Tenant", "globex"), ("Routing:Rules:0:Egress", "m365"),
            ("Routing:Rules:1:SenderDomain", "*.initech.example"), ("Routing:Rules:1:Egress", "m365")));
        await using var connection = await broker.ConnectAsync();
        await using var publisher = await OutboundMailPublisher.CreateAsync(connection);

        OutboundMail Mail(string recipient, string tenant, string sender) =>
            SampleMail.To(recipient) with { Tenant = tenant, From = new EmailAddress { Address = sender } };
        await publisher.PublishAsync(Mail("a@one.example", "globex", "support@globex.example"));
        await publisher.PublishAsync(Mail("b@two.example", "initech", "noreply@mail.initech.example"));
        await publisher.PublishAsync(Mail("c@three.example", "acme", "support@acme.example"));
        await publisher.PublishAsync(Mail("d@one.example", "globex", "support@globex.example") with { Egress = "default" });

        // Over m365's limit: a second recipient at one.example through m365 waits the hour; through the relay it goes.
        await publisher.PublishAsync(Mail("e@one.example", "globex", "support@globex.example"));
        await publisher.PublishAsync(Mail("f@one.example", "acme", "support@acme.example"));

        await relay.WaitUntilAsync(s => s.DeliveredCount >= 3, HangGuard);
        await m365.WaitUntilAsync(s => s.DeliveredCount >= 2, HangGuard);
        Assert.Equal(["c@three.example", "d@one.example", "f@one.example"], Delivered(relay));
        var viaM365 = Delivered(m365);
        Assert.Equal(2, viaM365.Count);
        Assert.Contains("b@two.example", viaM365);
        Assert.Single(viaM365, r => r.EndsWith("@one.example", StringComparison.Ordinal));
        Assert.All(m365.Records.Where(r => r.Stage == ReplyRecord.DataStage), r => Assert.Equal("127.0.0.2", r.Client));
    }

    private static List<string> Delivered(ReceivingSimulator simulator) =>
        [.. simulator.Records.Where(r => r.Stage == ReplyRecord.DataStage).Select(r => r.Recipient).Order(StringComparer.Ordinal)];
}
