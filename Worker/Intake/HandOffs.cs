using System.Collections.Concurrent;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;
using Sluice.Worker.Consuming;
using Sluice.Worker.Scheduling;

namespace Sluice.Worker.Intake;

/// <summary>
/// The intake deliveries this worker has handed to a local owner's senders (<see cref="OwnerDoor"/>): each stays
/// unacknowledged until the owner settles it on the intake channel, and counts as intake work in progress until
/// then, so shutdown waits for it. When the channel goes down, every delivery handed over on it is redelivered by
/// the broker: the owner must neither send nor settle them any more (after a recovery the channel is open again,
/// with new deliveries), so each connection's deliveries are a generation of their own.
/// </summary>
internal sealed class HandOffs : IDisposable
{
    private readonly IChannel _channel;
    private readonly InFlight _inFlight;
    private readonly int _mayWait;
    private readonly Lock _gate = new();
    private Generation _current;
    private int _waiting;

    /// <param name="channel">The intake channel the deliveries came on.</param>
    /// <param name="inFlight">Intake's work in progress.</param>
    /// <param name="mayWait">Handlers that may wait at a door at once; the others copy into the egress queue when the door is full.</param>
    public HandOffs(IChannel channel, InFlight inFlight, int mayWait)
    {
        _channel = channel;
        _inFlight = inFlight;
        _mayWait = mayWait;
        _current = new Generation(this);
        _channel.ChannelShutdownAsync += OnShutdownAsync;
    }

    /// <summary>Hands the routed delivery to the owner's door; false when the owner did not take it (then it is copied as usual).</summary>
    public async Task<bool> TryHandOverAsync(OwnerDoor door, BasicDeliverEventArgs delivery, byte[] body, BasicProperties properties)
    {
        ArgumentNullException.ThrowIfNull(door);
        ArgumentNullException.ThrowIfNull(delivery);
        Generation generation;
        lock (_gate)
        {
            generation = _current;
        }

        var handed = new Handed(door);
        var work = new EgressWork(body, properties, delivery.DeliveryTag, FromDue: false, generation.Settler) { FreePlace = handed.FreePlace };
        generation.Doors[delivery.DeliveryTag] = handed;
        _inFlight.Enter();
        bool mayWait = Interlocked.Increment(ref _waiting) <= _mayWait;
        try
        {
            if (await door.TryHandOverAsync(work, mayWait).ConfigureAwait(false))
            {
                return true;
            }
        }
        finally
        {
            Interlocked.Decrement(ref _waiting);
        }

        // Not taken: it holds no place at the door.
        generation.Forget(delivery.DeliveryTag);
        return false;
    }

    public void Dispose()
    {
        try
        {
            _channel.ChannelShutdownAsync -= OnShutdownAsync;
        }
        catch (ObjectDisposedException)
        {
            // The channel went first: it raises nothing more.
        }

        lock (_gate)
        {
            _current.Dispose();
        }
    }

    private Task OnShutdownAsync(object? sender, ShutdownEventArgs e)
    {
        Generation ended;
        lock (_gate)
        {
            ended = _current;
            _current = new Generation(this);
        }

        ended.End();
        return Task.CompletedTask;
    }

    /// <summary>One delivery with the owner: its place at the door is given back once, when it waits beside a lane or is settled.</summary>
    private sealed class Handed(OwnerDoor door)
    {
        private int _holdsPlace = 1;

        public void FreePlace()
        {
            if (Interlocked.Exchange(ref _holdsPlace, 0) == 1)
            {
                door.Left();
            }
        }
    }

    private sealed class Generation : IDisposable
    {
        private readonly HandOffs _owner;
        private volatile bool _ended;

        public Generation(HandOffs owner)
        {
            _owner = owner;
            Settler = new Acknowledger(owner._channel, alive: () => !_ended, claim: Claim);
        }

        public ConcurrentDictionary<ulong, Handed> Doors { get; } = new();

        public Acknowledger Settler { get; }

        /// <summary>
        /// The owner settles it: its place at the door and its count as work in progress end. False (and nothing is
        /// sent to the broker) when it was settled already or its channel went down since it was handed over.
        /// </summary>
        public bool Claim(ulong deliveryTag)
        {
            if (!Doors.TryRemove(deliveryTag, out var handed))
            {
                return false;
            }

            handed.FreePlace();
            _owner._inFlight.Exit();
            return true;
        }

        /// <summary>It did not go through the door after all.</summary>
        public void Forget(ulong deliveryTag)
        {
            if (Doors.TryRemove(deliveryTag, out _))
            {
                _owner._inFlight.Exit();
            }
        }

        /// <summary>The broker redelivers all of them: none waits to be settled any more.</summary>
        public void End()
        {
            _ended = true;
            foreach (ulong tag in Doors.Keys)
            {
                Claim(tag);
            }
        }

        public void Dispose() => Settler.Dispose();
    }
}
