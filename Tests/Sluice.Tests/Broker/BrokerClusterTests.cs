using System.Globalization;
using Microsoft.Extensions.Options;
using Sluice.Contracts.Publishing;
using Sluice.Simulator;
using Sluice.Tests.Infrastructure;
using Sluice.Worker.Broker;

namespace Sluice.Tests.Broker;

/// <summary>A three-node cluster: losing the node the worker is connected to moves it to another, and mail keeps flowing.</summary>
public sealed class BrokerClusterTests
{
    private static readonly TimeSpan HangGuard = TimeSpan.FromMinutes(2);

    [Fact]
    public async Task Killing_the_node_that_holds_the_egress_owners_connection_moves_the_worker_to_another_and_delivery_continues()
    {
        await using var first = await LocalRabbitNode.StartAsync("c1");
        await using var second = await LocalRabbitNode.StartAsync("c2");
        await using var third = await LocalRabbitNode.StartAsync("c3");
        await second.JoinAsync(first);
        await third.JoinAsync(first);
        LocalRabbitNode[] nodes = [first, second, third];
        var hosts = nodes.Select((n, i) => new KeyValuePair<string, string?>($"Broker:Hosts:{i}", $"127.0.0.1:{n.AmqpPort.ToString(CultureInfo.InvariantCulture)}"));

        await using var simulator = ReceivingSimulator.Start(new SimulatorOptions { Port = 0 });
        var logs = new LogCapture();
        await using var worker = await InProcessWorker.StartAsync(
            PipelineConfiguration.For(hosts, new FixedPort(simulator.Port), ("Broker:Heartbeat", "2s"), ("Logging:LogLevel:Sluice", "Information")), logs);
        await logs.WaitForAsync("now owns egress default", HangGuard);

        // The node the owner's connection is on (the client picks one of the three): its name ends in "-> 127.0.0.1:PORT".
        string connections = await first.CtlAsync("list_connections", "name", "client_properties", "--no-table-headers", "--quiet");
        string owner = connections.Split('\n').First(line => line.Contains("(egress default)", StringComparison.Ordinal));
        var victim = nodes.Single(n => owner.Contains($"-> 127.0.0.1:{n.AmqpPort.ToString(CultureInfo.InvariantCulture)}", StringComparison.Ordinal));
        var survivor = nodes.First(n => n != victim);

        await using var connection = await Connect(survivor);
        await using var publisher = await OutboundMailPublisher.CreateAsync(connection);
        var before = await MailLoad.PublishAsync(publisher, ["one.example"], perDomain: 5);
        await simulator.WaitUntilAsync(s => s.DeliveredCount >= before.Count, HangGuard);

        await victim.KillAsync();
        await logs.WaitForAsync("now owns egress default", 2, HangGuard);
        var after = await MailLoad.PublishAsync(publisher, ["two.example"], perDomain: 5);
        await simulator.WaitUntilAsync(s => RecordAnalysis.Deliveries(s.Records).Count >= before.Count + after.Count, HangGuard);

        Assert.True(worker.IsHealthy);
        Assert.Equal(before.Count + after.Count, RecordAnalysis.Deliveries(simulator.Records).Count);
    }

    private static Task<RabbitMQ.Client.IConnection> Connect(LocalRabbitNode node) =>
        new BrokerConnector(Options.Create(new BrokerOptions { HostName = "127.0.0.1", Port = node.AmqpPort })).ConnectAsync("test producer", CancellationToken.None);
}
