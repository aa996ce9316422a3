using System.Globalization;
using Sluice.Contracts.Events;
using Sluice.Contracts.Publishing;
using Sluice.Simulator;
using Sluice.Tests.Infrastructure;
using Sluice.Worker.Delivery;
using Sluice.Worker.Topology;

namespace Sluice.Tests.Routing;

/// <summary>
/// An egress in <c>Smtp:Mode=Mx</c> delivers to each recipient domain's MX hosts, found on the simulator's DNS: two
/// simulators on 127.0.0.1 and 127.0.0.2 stand for the receivers' mail hosts, and an address nothing listens on for one
/// that refuses connections.
/// </summary>
public sealed class DirectToMxTests
{
    private static readonly TimeSpan HangGuard = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Mail_goes_to_each_domains_mail_host_the_next_one_when_a_host_refuses_and_a_null_mx_fails()
    {
        await using var broker = await TestBroker.CreateAsync();
        await using var first = ReceivingSimulator.Start(new SimulatorOptions { Port = 0 });
        await using var second = ReceivingSimulator.Start(new SimulatorOptions { Port = first.Port, Address = "127.0.0.2" });
        using var dns = SimulatedDns.Start(new DnsOptions
        {
            Port = 0,
            MxHosts =
            {
                ["one.mx.example"] = ["10 mx.one.mx.example"],
                ["two.mx.example"] = ["10 down.two.mx.example", "20 backup.two.mx.example"],
                ["nomail.mx.example"] = ["0 ."],
            },
            Addresses =
            {
                ["mx.one.mx.example"] = ["127.0.0.1"],
                ["down.two.mx.example"] = ["127.0.0.3"], // nothing listens there: refused
                ["backup.two.mx.example"] = ["127.0.0.2"],
                ["three.mx.example"] = ["127.0.0.2"],   // no MX: the domain itself is its mail host
            },
        });

        // Smtp:Host names a smarthost that does not exist: in Mode Mx it is never used.
        await using var worker = await InProcessWorker.StartAsync(PipelineConfiguration.For(broker, first,
            ("Smtp:Mode", "Mx"), ("Smtp:Host", "no-such-smarthost.invalid"), ("Smtp:MxPort", first.Port.ToString(CultureInfo.InvariantCulture)),
            ("Providers:Dns:Enabled", "true"), ("Providers:Dns:Servers:0", $"127.0.0.1:{dns.Port}")));
        await using var connection = await broker.ConnectAsync();
        await using var publisher = await OutboundMailPublisher.CreateAsync(connection);

        foreach (string recipient in new[] { "a@one.mx.example", "b@two.mx.example", "c@three.mx.example", "d@nomail.mx.example" })
        {
            await publisher.PublishAsync(SampleMail.To(recipient));
        }

        await first.WaitUntilAsync(s => s.DeliveredCount >= 1, HangGuard);
        await second.WaitUntilAsync(s => s.DeliveredCount >= 2, HangGuard);
        var failed = await QueueReader.TakeAsync(connection, QueueNames.Failed, 1, HangGuard);

        Assert.Equal(["a@one.mx.example"], Delivered(first));
        Assert.Equal(["b@two.mx.example", "c@three.mx.example"], Delivered(second));
        Assert.Contains("5.1.10", MailHeaders.GetString(failed[0].BasicProperties.Headers, MailHeaders.Detail), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_domain_whose_hosts_all_refuse_waits_its_retry_while_other_domains_are_delivered()
    {
        await using var broker = await TestBroker.CreateAsync();
        await using var receiver = ReceivingSimulator.Start(new SimulatorOptions { Port = 0 });
        using var dns = SimulatedDns.Start(new DnsOptions
        {
            Port = 0,
            MxHosts = { ["down.mx.example"] = ["10 mx.down.mx.example"], ["up.mx.example"] = ["10 mx.up.mx.example"] },
            Addresses = { ["mx.down.mx.example"] = ["127.0.0.3"], ["mx.up.mx.example"] = ["127.0.0.1"] },
        });
        await using var worker = await InProcessWorker.StartAsync(PipelineConfiguration.For(broker, receiver,
            ("Smtp:Mode", "Mx"), ("Smtp:MxPort", receiver.Port.ToString(CultureInfo.InvariantCulture)),
            ("Providers:Dns:Enabled", "true"), ("Providers:Dns:Servers:0", $"127.0.0.1:{dns.Port}"),
            ("Retry:InitialDelay", "01:00:00")));
        await using var connection = await broker.ConnectAsync();
        string deferrals = await DeliveryEventFollower.BindAsync(connection, "deferred.#");
        await using var publisher = await OutboundMailPublisher.CreateAsync(connection);

        await publisher.PublishAsync(SampleMail.To("x@down.mx.example"));
        await publisher.PublishAsync(SampleMail.To("y@up.mx.example"));
        await publisher.PublishAsync(SampleMail.To("z@up.mx.example"));

        // The unreachable domain is deferred (its event says why); the egress is not backed off, so the other domain goes.
        var deferred = DeliveryEventWire.Deserialize((await QueueReader.TakeAsync(connection, deferrals, 1, HangGuard))[0].Body.Span).Single();
        Assert.Equal("x@down.mx.example", deferred.Recipient);
        Assert.StartsWith("451 4.4.1", deferred.Reply, StringComparison.Ordinal);
        await receiver.WaitUntilAsync(s => s.DeliveredCount >= 2, HangGuard);
        Assert.Equal(["y@up.mx.example", "z@up.mx.example"], Delivered(receiver));
        Assert.Equal(0u, await QueueReader.CountAsync(connection, QueueNames.Failed));
        Assert.Equal(0u, await QueueReader.CountAsync(connection, QueueNames.Parked));
    }

    [Fact]
    public async Task A_sender_moving_between_mail_hosts_takes_up_its_pooled_connection_again_instead_of_opening_a_new_session()
    {
        await using var broker = await TestBroker.CreateAsync();
        await using var first = ReceivingSimulator.Start(new SimulatorOptions { Port = 0 });
        await using var second = ReceivingSimulator.Start(new SimulatorOptions { Port = first.Port, Address = "127.0.0.2" });
        using var dns = SimulatedDns.Start(new DnsOptions
        {
            Port = 0,
            MxHosts = { ["left.pool.example"] = ["10 mx.left.pool.example"], ["right.pool.example"] = ["10 mx.right.pool.example"] },
            Addresses = { ["mx.left.pool.example"] = ["127.0.0.1"], ["mx.right.pool.example"] = ["127.0.0.2"] },
        });

        // One sender, so every message after the first moves it between the two hosts.
        await using var worker = await InProcessWorker.StartAsync(PipelineConfiguration.For(broker, first,
            ("Smtp:Mode", "Mx"), ("Smtp:MxPort", first.Port.ToString(CultureInfo.InvariantCulture)), ("Smtp:Connections", "1"), ("Smtp:MxIdleTimeout", "00:01:00"),
            ("Providers:Dns:Enabled", "true"), ("Providers:Dns:Servers:0", $"127.0.0.1:{dns.Port}")));
        await using var connection = await broker.ConnectAsync();
        await using var publisher = await OutboundMailPublisher.CreateAsync(connection);
        for (int i = 0; i < 4; i++)
        {
            await publisher.PublishAsync(SampleMail.To($"l{i}@left.pool.example"));
            await publisher.PublishAsync(SampleMail.To($"r{i}@right.pool.example"));
        }

        await first.WaitUntilAsync(s => s.DeliveredCount >= 4, HangGuard);
        await second.WaitUntilAsync(s => s.DeliveredCount >= 4, HangGuard);

        // One session per mail host for all eight messages (without the pool: a new session at every move).
        Assert.Equal((1, 1), (first.SessionCount, second.SessionCount));
    }

    private static List<string> Delivered(ReceivingSimulator simulator) =>
        [.. simulator.Records.Where(r => r.Stage == ReplyRecord.DataStage).Select(r => r.Recipient).Order(StringComparer.Ordinal)];
}
