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
        await using var intake = await IntakeChannel.StartAsync(messages: 2, doorCapacity: 2);
        Assert.True(await intake.HandOverNextAsync());
        Assert.True(await intake.HandOverNextAsync());
        Assert.Equal(2, intake.InFlight.Count);
        var first = intake.TakeFromSenders();
        var second = intake.TakeFromSenders();

        // The first is acked, then given back by a path that did not know (and acked again): only the first settle counts.
        await first.Settler.AckAsync(first.DeliveryTag);
        await first.Settler.RequeueAsync(first.DeliveryTag);
        await first.Settler.AckAsync(first.DeliveryTag);
        await second.Settler.AckAsync(second.DeliveryTag);

        Assert.Equal(0, intake.InFlight.Count);
        Assert.Equal(0, intake.Door.Inside);
        Assert.Equal(0u, await intake.ReadyAsync());
        Assert.True(intake.Channel.IsOpen);
    }

    [Fact]
    public async Task A_handed_over_delivery_that_waits_beside_its_lane_gives_its_place_back_once_and_stays_unsettled_until_sent()
    {
        await using var intake = await IntakeChannel.StartAsync(messages: 2, doorCapacity: 2);
        Assert.True(await intake.HandOverNextAsync());
        Assert.True(await intake.HandOverNextAsync());
        var held = intake.TakeFromSenders();

        held.FreePlace!();
        held.FreePlace!();
        Assert.Equal(1, intake.Door.Inside);
        Assert.Equal(2, intake.InFlight.Count);

        await held.Settler.AckAsync(held.DeliveryTag);
        Assert.Equal(1, intake.Door.Inside);
        Assert.Equal(1, intake.InFlight.Count);
    }

    [Fact]
    public async Task No_more_handlers_wait_at_full_doors_than_intake_allows_the_next_is_copied_instead()
    {
        await using var intake = await IntakeChannel.StartAsync(messages: 4, doorCapacity: 2);
        Assert.True(await intake.HandOverNextAsync());
        Assert.True(await intake.HandOverNextAsync());

        // The door is full; one handler waits for a place, and a second (beyond intake's quota) is turned away at once.
        var waiting = intake.HandOverNextAsync();
        Assert.False(waiting.IsCompleted);
        Assert.False(await intake.HandOverNextAsync());
        var first = intake.TakeFromSenders();
        await first.Settler.AckAsync(first.DeliveryTag);
        Assert.True(await waiting);
    }

    [Fact]
    public async Task When_the_intake_channel_goes_down_what_was_handed_over_on_it_is_neither_sent_nor_waited_for()
    {
        await using var intake = await IntakeChannel.StartAsync(messages: 1, doorCapacity: 1);
        Assert.True(await intake.HandOverNextAsync());
        var work = intake.TakeFromSenders();

        await intake.Channel.CloseAsync();
        await intake.InFlight.WaitIdleAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));
        Assert.False(work.Settler.IsOpen);
        Assert.Equal(0, intake.Door.Inside);

        // The broker has it back, for intake to route again.
        Assert.Equal(1u, await intake.ReadyAsync());
    }

    /// <summary>A queue standing for <c>mail.intake</c> with messages in it, read on a real channel, and one owner's door.</summary>
    private sealed class IntakeChannel : IAsyncDisposable
    {
        private readonly Channel<EgressWork> _senders = System.Threading.Channels.Channel.CreateUnbounded<EgressWork>();
        private TestBroker _broker = null!;
        private IConnection _connection = null!;
        private string _queue = null!;
        private HandOffs _handOffs = null!;

        public IChannel Channel { get; private set; } = null!;

        public InFlight InFlight { get; } = new();

        public OwnerDoor Door { get; private set; } = null!;

        public static async Task<IntakeChannel> StartAsync(int messages, int doorCapacity)
        {
            var intake = new IntakeChannel { _broker = await TestBroker.CreateAsync() };
            intake._connection = await intake._broker.ConnectAsync();
            intake.Channel = await intake._connection.CreateChannelAsync();
            intake._queue = (await intake.Channel.QueueDeclareAsync(exclusive: false, autoDelete: false)).QueueName;
            for (int i = 0; i < messages; i++)
            {
                await intake.Channel.BasicPublishAsync(string.Empty, intake._queue, new byte[] { 1 });
            }

            intake.Door = new OwnerDoor(intake._senders.Writer, doorCapacity, sending: () => true);
            intake._handOffs = new HandOffs(intake.Channel, intake.InFlight, mayWait: 1);
            return intake;
        }

        /// <summary>Takes the next message from the queue, unacked, and hands it to the door.</summary>
        public async Task<bool> HandOverNextAsync()
        {
            var got = await Channel.BasicGetAsync(_queue, autoAck: false) ?? throw new InvalidOperationException("the queue is empty");
            var delivery = new BasicDeliverEventArgs(string.Empty, got.DeliveryTag, got.Redelivered, got.Exchange, got.RoutingKey, got.BasicProperties, got.Body);
            return await _handOffs.TryHandOverAsync(Door, delivery, [1], new BasicProperties());
        }

        /// <summary>What the owner's senders were handed next.</summary>
        public EgressWork TakeFromSenders() => _senders.Reader.TryRead(out var work) ? work : throw new InvalidOperationException("nothing was handed over");

        /// <summary>
        /// Messages ready in the queue: asked on the intake channel while it is open (the broker answers after every
        /// settle sent on it before), else on a channel of its own.
        /// </summary>
        public async Task<uint> ReadyAsync()
        {
            if (Channel.IsOpen)
            {
                return (await Channel.QueueDeclarePassiveAsync(_queue)).MessageCount;
            }

            await using var check = await _connection.CreateChannelAsync();
            return (await check.QueueDeclarePassiveAsync(_queue)).MessageCount;
        }

        public async ValueTask DisposeAsync()
        {
            _handOffs.Dispose();
            Door.Dispose();
            await Channel.DisposeAsync();
            await _connection.DisposeAsync();
            await _broker.DisposeAsync();
        }
    }
}
