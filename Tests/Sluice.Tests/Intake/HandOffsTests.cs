using System.Threading.Channels;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;
using Sluice.Tests.Infrastructure;
using Sluice.Worker.Consuming;
using Sluice.Worker.Intake;
using Sluice.Worker.Scheduling;

namespace Sluice.Tests.Intake;

/// <summary>
/// Intake deliveries handed to a local owner, settled on a real intake channel: each once, whatever the owner calls,
/// because a second ack of one delivery tag is a channel error that would close intake for every other message.
/// </summary>
public sealed class HandOffsTests
{
    [Fact]
    public async Task A_handed_over_delivery_is_settled_once_its_place_and_its_count_as_intake_work_end_and_the_channel_stays_open()
    {
        await using var broker = await TestBroker.CreateAsync();
        await using var connection = await broker.ConnectAsync();
        await using var channel = await connection.CreateChannelAsync();
        var queue = (await channel.QueueDeclareAsync(exclusive: true)).QueueName;
        for (int i = 0; i < 2; i++)
        {
            await channel.BasicPublishAsync(string.Empty, queue, new byte[] { 1 });
        }

        var inFlight = new InFlight();
        var senders = Channel.CreateUnbounded<EgressWork>();
        using var door = new OwnerDoor(senders.Writer, capacity: 2, sending: () => true);
        using var handOffs = new HandOffs(channel, inFlight, mayWait: 1);
        foreach (var delivery in new[] { await GetAsync(channel, queue), await GetAsync(channel, queue) })
        {
            Assert.True(await handOffs.TryHandOverAsync(door, delivery, [1], new BasicProperties()));
        }

        Assert.Equal(2, inFlight.Count);
        Assert.True(senders.Reader.TryRead(out var first));
        Assert.True(senders.Reader.TryRead(out var second));

        // The first is acked, then given back by a path that did not know (and acked again): only the first settle counts.
        await first.Settler.AckAsync(first.DeliveryTag);
        await first.Settler.RequeueAsync(first.DeliveryTag);
        await first.Settler.AckAsync(first.DeliveryTag);
        await second.Settler.AckAsync(second.DeliveryTag);

        Assert.Equal(0, inFlight.Count);
        Assert.Equal(0, door.Inside);
        var declared = await channel.QueueDeclarePassiveAsync(queue);
        Assert.True(channel.IsOpen);
        Assert.Equal(0u, declared.MessageCount);
    }

    [Fact]
    public async Task A_handed_over_delivery_that_waits_beside_its_lane_gives_its_place_back_once_and_stays_unsettled_until_sent()
    {
        await using var broker = await TestBroker.CreateAsync();
        await using var connection = await broker.ConnectAsync();
        await using var channel = await connection.CreateChannelAsync();
        var queue = (await channel.QueueDeclareAsync(exclusive: true)).QueueName;
        for (int i = 0; i < 2; i++)
        {
            await channel.BasicPublishAsync(string.Empty, queue, new byte[] { 1 });
        }

        var inFlight = new InFlight();
        var senders = Channel.CreateUnbounded<EgressWork>();
        using var door = new OwnerDoor(senders.Writer, capacity: 2, sending: () => true);
        using var handOffs = new HandOffs(channel, inFlight, mayWait: 1);
        Assert.True(await handOffs.TryHandOverAsync(door, await GetAsync(channel, queue), [1], new BasicProperties()));
        Assert.True(await handOffs.TryHandOverAsync(door, await GetAsync(channel, queue), [1], new BasicProperties()));
        Assert.True(senders.Reader.TryRead(out var held));

        held.FreePlace!();
        held.FreePlace!();
        Assert.Equal(1, door.Inside);
        Assert.Equal(2, inFlight.Count);

        await held.Settler.AckAsync(held.DeliveryTag);
        Assert.Equal(1, door.Inside);
        Assert.Equal(1, inFlight.Count);
    }

    [Fact]
    public async Task No_more_handlers_wait_at_full_doors_than_intake_allows_the_next_is_copied_instead()
    {
        await using var broker = await TestBroker.CreateAsync();
        await using var connection = await broker.ConnectAsync();
        await using var channel = await connection.CreateChannelAsync();
        var queue = (await channel.QueueDeclareAsync(exclusive: true)).QueueName;
        for (int i = 0; i < 4; i++)
        {
            await channel.BasicPublishAsync(string.Empty, queue, new byte[] { 1 });
        }

        var senders = Channel.CreateUnbounded<EgressWork>();
        using var door = new OwnerDoor(senders.Writer, capacity: 2, sending: () => true);
        using var handOffs = new HandOffs(channel, new InFlight(), mayWait: 1);
        var third = await GetAsync(channel, queue);
        var fourth = await GetAsync(channel, queue);
        Assert.True(await handOffs.TryHandOverAsync(door, await GetAsync(channel, queue), [1], new BasicProperties()));
        Assert.True(await handOffs.TryHandOverAsync(door, await GetAsync(channel, queue), [1], new BasicProperties()));

        // The door is full; one handler waits for a place, and a second (beyond intake's quota) is turned away at once.
        var waiting = handOffs.TryHandOverAsync(door, third, [1], new BasicProperties());
        Assert.False(waiting.IsCompleted);
        Assert.False(await handOffs.TryHandOverAsync(door, fourth, [1], new BasicProperties()));
        Assert.True(senders.Reader.TryRead(out var first));
        await first.Settler.AckAsync(first.DeliveryTag);
        Assert.True(await waiting);
    }

    [Fact]
    public async Task When_the_intake_channel_goes_down_what_was_handed_over_on_it_is_neither_sent_nor_waited_for()
    {
        await using var broker = await TestBroker.CreateAsync();
        await using var connection = await broker.ConnectAsync();
        var channel = await connection.CreateChannelAsync();
        var queue = (await channel.QueueDeclareAsync()).QueueName;
        await channel.BasicPublishAsync(string.Empty, queue, new byte[] { 1 });

        var inFlight = new InFlight();
        var senders = Channel.CreateUnbounded<EgressWork>();
        using var door = new OwnerDoor(senders.Writer, capacity: 1, sending: () => true);
        using var handOffs = new HandOffs(channel, inFlight, mayWait: 1);
        Assert.True(await handOffs.TryHandOverAsync(door, await GetAsync(channel, queue), [1], new BasicProperties()));
        Assert.True(senders.Reader.TryRead(out var work));

        await channel.CloseAsync();
        await inFlight.WaitIdleAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));
        Assert.False(work.Settler.IsOpen);
        Assert.Equal(0, door.Inside);

        // The broker has it back, for intake to route again.
        await using var check = await connection.CreateChannelAsync();
        Assert.Equal(1u, (await check.QueueDeclarePassiveAsync(queue)).MessageCount);
        await channel.DisposeAsync();
    }

    private static async Task<BasicDeliverEventArgs> GetAsync(IChannel channel, string queue)
    {
        var got = await channel.BasicGetAsync(queue, autoAck: false) ?? throw new InvalidOperationException("the queue is empty");
        return new BasicDeliverEventArgs(string.Empty, got.DeliveryTag, got.Redelivered, got.Exchange, got.RoutingKey, got.BasicProperties, got.Body);
    }
}
