using RabbitMQ.Client;
using Sluice.Tests.Infrastructure;
using Sluice.Worker.Topology;

namespace Sluice.Tests.Topology;

/// <summary>The topology on a real RabbitMQ (a private vhost per test).</summary>
public sealed class TopologyBrokerTests
{
    private static readonly TimeSpan HangGuard = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Declaring_twice_is_a_no_op_and_keeps_queued_mail()
    {
        await using var broker = await TestBroker.CreateAsync();
        await using var connection = await broker.ConnectAsync();
        var topology = SluiceTopology.Build(new TopologyOptions());
        await TopologyDeclarer.DeclareAsync(connection, topology, CancellationToken.None);

        await using (var channel = await connection.CreateChannelAsync())
        {
            await channel.BasicPublishAsync(string.Empty, QueueNames.Parked, "parked"u8.ToArray());
        }

        await TopologyDeclarer.DeclareAsync(connection, topology, CancellationToken.None);

        Assert.Equal(1u, await QueueReader.CountAsync(connection, QueueNames.Parked));
        var parked = await QueueReader.GetAsync(connection, QueueNames.Parked);
        Assert.Equal("parked", System.Text.Encoding.UTF8.GetString(parked!.Body.Span));
    }

    [Fact]
    public async Task Imported_definitions_file_is_the_same_topology_as_declared()
    {
        await using var broker = await TestBroker.CreateAsync();
        string definitions = RepositoryFiles.ReadAllText("deploy/rabbitmq/definitions.json").Replace("\"vhost\": \"/\"", $"\"vhost\": \"{broker.VirtualHost}\"", StringComparison.Ordinal);
        await broker.ImportDefinitionsAsync(definitions);

        var topology = SluiceTopology.Build(new TopologyOptions());
        await using var connection = await broker.ConnectAsync();
        foreach (var queue in topology.Queues)
        {
            Assert.Equal(0u, await QueueReader.CountAsync(connection, queue.Name)); // passive: throws if the import lacks it
        }

        // Any difference in type or arguments makes the broker refuse the declaration (PRECONDITION_FAILED).
        await TopologyDeclarer.DeclareAsync(connection, topology, CancellationToken.None);
    }

    [Fact]
    public async Task A_delay_tier_returns_the_message_to_its_egress_due_queue_after_the_ttl()
    {
        await using var broker = await TestBroker.CreateAsync();
        var tier = TimeSpan.FromSeconds(1);
        await using var connection = await broker.ConnectWithTopologyAsync(new TopologyOptions { DelayTiers = [tier] });

        await using (var channel = await connection.CreateChannelAsync(new CreateChannelOptions(true, true)))
        {
            await channel.BasicPublishAsync(string.Empty, QueueNames.Delay("default", tier), mandatory: true,
                new BasicProperties { MessageId = "m-1", Persistent = true }, "deferred"u8.ToArray());
        }

        var delivery = await QueueReader.NextDeliveryAsync(connection, QueueNames.Due("default"), HangGuard);
        Assert.Equal("m-1", delivery.BasicProperties.MessageId);
        Assert.Equal("deferred", System.Text.Encoding.UTF8.GetString(delivery.Body.Span));
    }

    [Fact]
    public async Task A_message_rejected_past_the_delivery_limit_is_dead_lettered_to_failed()
    {
        await using var broker = await TestBroker.CreateAsync();
        await using var connection = await broker.ConnectWithTopologyAsync(new TopologyOptions { IntakeDeliveryLimit = 2 });

        await using var channel = await connection.CreateChannelAsync(new CreateChannelOptions(true, true));
        await channel.BasicPublishAsync(string.Empty, QueueNames.Intake, mandatory: true,
            new BasicProperties { MessageId = "poison", Persistent = true }, "{"u8.ToArray());

        // A consumer that crashes on this message: requeue it every time.
        var consumer = new RabbitMQ.Client.Events.AsyncEventingBasicConsumer(channel);
        consumer.ReceivedAsync += (_, d) => channel.BasicNackAsync(d.DeliveryTag, multiple: false, requeue: true).AsTask();
        await channel.BasicConsumeAsync(QueueNames.Intake, autoAck: false, consumer);

        var failed = await QueueReader.NextDeliveryAsync(connection, QueueNames.Failed, HangGuard);
        Assert.Equal("poison", failed.BasicProperties.MessageId);
        Assert.NotNull(failed.BasicProperties.Headers);
        Assert.True(failed.BasicProperties.Headers!.ContainsKey("x-death") || failed.BasicProperties.Headers.ContainsKey("x-first-death-reason"));
    }
}
