using System.Collections.Concurrent;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;
using Sluice.Contracts;
using Sluice.Worker.Control;
using Sluice.Worker.Delivery;
using Sluice.Worker.Journal;
using Sluice.Worker.Topology;

namespace Sluice.Worker.Scheduling;

/// <summary>
/// The owner's waiting lanes: a queue per partition (<c>mail.lane.EGRESS.PARTITION</c>) for mail that
/// cannot be sent at once, read at the rate the partition's limits allow. A message over budget moves into
/// its lane once (one publish) and waits there, whatever the wait is for (the limit, the warm-up ramp, a
/// cool-down, a busy partition, a smarthost outage, a suspension): nothing goes round the delay tiers while it
/// waits, and one partition's backlog never sits in front of another's mail in the egress queue.
/// <para>
/// Each lane is consumed with a prefetch of <see cref="LaneOptions.Hold"/>; its pump takes the next permit
/// of the partition's limit chain for the message <see cref="WaitingLane"/> picks (transactional first) and
/// hands it, permit in hand, to a sender. Lanes open when a partition first has to wait and are removed when
/// they have been empty for <see cref="LaneOptions.CloseAfter"/>; the journal records both, so a new owner
/// reads the open ones.
/// </para>
/// </summary>
public sealed partial class WaitingLanes(
    string egress,
    IConnection connection,
    LaneOptions options,
    TopologyOptions topology,
    EgressServices services,
    EgressLimiters limiters,
    SlotPlanner planner,
    EgressGate gate,
    EgressBreaker breaker,
    DeliveryJournal journal,
    ChannelWriter<EgressWork> senders,
    int priorityBudget,
    ILogger logger,
    string? fallback = null) : IAsyncDisposable
{
    /// <summary>How long a pump waits at most before it looks again at a condition that may change without a word (the ramp).</summary>
    private static readonly TimeSpan Recheck = TimeSpan.FromSeconds(1);

    /// <summary>How long a pump waits when its partition has as many transactions open as it allows.</summary>
    private static readonly TimeSpan BusyRecheck = TimeSpan.FromMilliseconds(20);

    private readonly TimeProvider _time = services.Time;
    private readonly Lock _gate = new();
    private readonly Dictionary<string, WaitingLane> _lanes = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, WaitingLane> _byConsumer = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<ulong, WaitingLane> _byDelivery = new();
    private readonly Dictionary<WaitingLane, LaneTenure> _tenures = [];
    private readonly CancellationTokenSource _stop = new();
    private IChannel? _channel;
    private Acknowledger? _acks;
    private AsyncEventingBasicConsumer? _consumer;
    private readonly TaskCompletionSource _lost = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _priorityHeld;
    private volatile bool _stopping;

    public bool Enabled => options.Enabled && options.Max > 0;

    /// <summary>Completes if the channel the lanes are consumed on closes under them (the owner starts a new session then).</summary>
    public Task Lost => _lost.Task;

    /// <summary>The queues of the lanes open now.</summary>
    public IReadOnlyCollection<string> Queues()
    {
        lock (_gate)
        {
            return [.. _lanes.Values.Select(l => l.Queue)];
        }
    }

    /// <summary>Each open lane's partition, queue, messages held by this owner and the oldest of them (for status).</summary>
    public IReadOnlyList<LaneWaiting> Waiting()
    {
        lock (_gate)
        {
            return [.. _lanes.Values.Select(l => new LaneWaiting(l.Partition, l.Queue, l.Count, l.OldestHeld))];
        }
    }

    /// <summary>Opens the lanes a previous owner left open (from the journal), so their mail moves again.</summary>
    public async Task StartAsync(IReadOnlyCollection<string> open, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(open);
        if (!Enabled)
        {
            return;
        }

        _channel = await connection.CreateChannelAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        _acks = new Acknowledger(_channel, OnSettled);
        _channel.ChannelShutdownAsync += (_, _) =>
        {
            _lost.TrySetResult();
            return Task.CompletedTask;
        };
        await _channel.BasicQosAsync(0, options.Hold, global: false, cancellationToken).ConfigureAwait(false);
        _consumer = new AsyncEventingBasicConsumer(_channel);
        _consumer.ReceivedAsync += OnDeliveryAsync;
        foreach (string partition in open)
        {
            // Every lane the journal names is read, however many: its mail has nowhere else to come from.
            await GetOrOpenAsync(partition, moving: false, beyondMax: true).ConfigureAwait(false);
        }
    }

    /// <summary>True while the partition has a lane: its fresh mail queues behind what waits there.</summary>
    public bool HasLane(string partition)
    {
        lock (_gate)
        {
            return _lanes.ContainsKey(partition);
        }
    }

    /// <summary>
    /// Takes a message that cannot be sent at once: held in its lane when it came from there (or is fresh
    /// transactional mail that may go ahead of the lane), else moved into the lane's queue by
    /// <paramref name="moveInto"/> (which publishes the copy, confirmed, and acks the original). False when no
    /// lane can take it (lanes off, stopping, or all <see cref="LaneOptions.Max"/> in use): it waits in the tiers then.
    /// </summary>
    public async Task<bool> TryTakeAsync(EgressWork work, EgressEnvelope envelope, Func<string, Task> moveInto)
    {
        ArgumentNullException.ThrowIfNull(work);
        ArgumentNullException.ThrowIfNull(envelope);
        ArgumentNullException.ThrowIfNull(moveInto);
        if (!Enabled || _stopping)
        {
            return false;
        }

        string partition = envelope.Partition;
        if (work.Lane == partition && Lane(partition) is { } own)
        {
            own.Hold(work, envelope);
            return true;
        }

        bool transactional = work.Lane is null && envelope.Mail.Priority == MailPriority.Transactional;
        if (await GetOrOpenAsync(partition, moving: true).ConfigureAwait(false) is not { } lane)
        {
            return false;
        }

        if (transactional && lane.PriorityHeld < options.PriorityHold && TryReservePriority())
        {
            // Held unacknowledged from the egress queue (or intake), beside the lane: it takes the partition's next permit.
            // Waiting here, it does not count among the messages intake hands the senders.
            lane.MoveEnded();
            work.FreePlace?.Invoke();
            lane.Hold(work with { Lane = null }, envelope);
            return true;
        }

        if (transactional && lane.BulkQueued > 0)
        {
            // The hold is full and bulk waits in the lane's queue: transactional mail does not go behind it. It waits
            // for its slot in the tiers and tries the hold again then.
            lane.MoveEnded();
            return false;
        }

        try
        {
            await moveInto(lane.Queue).ConfigureAwait(false);
            services.Scheduling.MovedToLane(egress);
            if (envelope.Mail.Priority == MailPriority.Bulk)
            {
                lane.BulkMoved();
            }
        }
        finally
        {
            lane.MoveEnded();
            lane.Wake.Set();
        }

        return true;
    }

    /// <summary>Wakes every pump: a pause, a resume or a ban changed what they may send.</summary>
    public void NudgeAll()
    {
        lock (_gate)
        {
            foreach (var lane in _lanes.Values)
            {
                lane.Wake.Set();
            }
        }
    }

    /// <summary>Stops the pumps and gives back what they hold (the broker delivers it again to the next owner).</summary>
    public async Task StopAsync()
    {
        if (!Enabled || _stopping)
        {
            return;
        }

        _stopping = true;
        await _stop.CancelAsync().ConfigureAwait(false);
        List<WaitingLane> lanes;
        List<Task> pumps;
        lock (_gate)
        {
            lanes = [.. _lanes.Values];
            pumps = [.. _tenures.Values.Select(t => t.Pump)];
        }

        await Task.WhenAll(pumps.Select(p => p.ContinueWith(_ => { }, TaskScheduler.Default))).ConfigureAwait(false);
        foreach (var held in lanes.SelectMany(l => l.TakeAll()))
        {
            await held.Work.Settler.RequeueAsync(held.Work.DeliveryTag).ConfigureAwait(false);
        }

        Interlocked.Exchange(ref _priorityHeld, 0);
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        if (_channel is { IsOpen: true })
        {
            try
            {
                await _channel.CloseAsync().ConfigureAwait(false);
            }
            catch (Exception e) when (e is RabbitMQ.Client.Exceptions.AlreadyClosedException or OperationCanceledException)
            {
                // The connection went first: the broker requeues whatever this channel held.
            }
        }

        _acks?.Dispose();
        _stop.Dispose();
    }

    private WaitingLane? Lane(string partition)
    {
        lock (_gate)
        {
            return _lanes.GetValueOrDefault(partition);
        }
    }

    /// <summary>Fresh transactional mail held beside lanes is unacknowledged egress mail: it may take only part of that prefetch.</summary>
    private bool TryReservePriority()
    {
        if (Interlocked.Increment(ref _priorityHeld) <= priorityBudget)
        {
            return true;
        }

        Interlocked.Decrement(ref _priorityHeld);
        return false;
    }

    /// <summary>
    /// The partition's lane, opened (declared, consumed, journaled) if it is not; null when all lanes are in
    /// use. With <paramref name="moving"/>, the lane is marked as being published into, so it cannot be removed meanwhile.
    /// </summary>
    private async Task<WaitingLane?> GetOrOpenAsync(string partition, bool moving, bool beyondMax = false)
    {
        while (true)
        {
            LaneTenure? tenure;
            WaitingLane? lane;
            lock (_gate)
            {
                if (_lanes.TryGetValue(partition, out lane))
                {
                    tenure = _tenures[lane];
                    if (!tenure.Closing && tenure.Opened.Task.IsCompleted)
                    {
                        if (moving)
                        {
                            lane.MoveStarted();
                        }

                        return lane;
                    }
                }
                else
                {
                    if (_lanes.Count >= options.Max && !beyondMax)
                    {
                        return null;
                    }

                    lane = new WaitingLane(partition, QueueNames.Lane(egress, partition), options.BulkShare) { LastActive = _time.GetUtcNow() };
                    tenure = new LaneTenure();
                    _lanes[partition] = lane;
                    _tenures[lane] = tenure;
                    _ = OpenAsync(lane, tenure); // completes tenure.Opened whatever happens; awaited through it below
                }
            }

            // Being opened or removed by another caller: wait for that, then look again.
            await (tenure.Closing ? tenure.Closed.Task : tenure.Opened.Task).ConfigureAwait(false);
        }
    }

    private async Task OpenAsync(WaitingLane lane, LaneTenure tenure)
    {
        await Task.Yield();
        try
        {
            await AdministerAsync(c => c.QueueDeclareAsync(lane.Queue, durable: true, exclusive: false, autoDelete: false, SluiceTopology.LaneArguments(topology))).ConfigureAwait(false);

            // Recorded before any mail goes in: whatever happens to this owner, the next one reads this lane.
            await journal.LaneAsync(lane.Partition, open: true, _time.GetUtcNow()).ConfigureAwait(false);
            tenure.RecordedAt = _time.GetUtcNow();
            // The consumer tag is chosen here, and known, before the first delivery can arrive.
            string tag = $"{lane.Queue}#{Guid.NewGuid():N}";
            tenure.ConsumerTag = tag;
            _byConsumer[tag] = lane;
            await _acks!.UseAsync(c => c.BasicConsumeAsync(lane.Queue, autoAck: false, tag, noLocal: false, exclusive: false, arguments: null, _consumer!)).ConfigureAwait(false);
            tenure.Pump = Task.Run(() => PumpAsync(lane, tenure, _stop.Token));
            LogLaneOpened(egress, lane.Partition);
            tenure.Opened.TrySetResult();
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // The lane could not be opened (the broker refused it, the connection went): its callers fall back
            // to the tiers, and the next one tries again.
            lock (_gate)
            {
                _lanes.Remove(lane.Partition);
                _tenures.Remove(lane);
            }

            LogLaneFailed(egress, lane.Partition, e.GetType().Name, e.Message);
            tenure.Closing = true;
            tenure.Closed.TrySetResult();
            tenure.Opened.TrySetResult();
        }
    }

    private Task OnDeliveryAsync(object sender, BasicDeliverEventArgs delivery)
    {
        if (!_byConsumer.TryGetValue(delivery.ConsumerTag, out var lane))
        {
            return _acks!.RequeueAsync(delivery.DeliveryTag);
        }

        _byDelivery[delivery.DeliveryTag] = lane;
        lane.Delivered();
        lane.LastActive = _time.GetUtcNow();

        // The body buffer belongs to the client library only until this callback returns.
        var work = new EgressWork(delivery.Body.ToArray(), delivery.BasicProperties, delivery.DeliveryTag, FromDue: false, _acks!) { Lane = lane.Partition };
        return _stopping || !senders.TryWrite(work) ? _acks!.RequeueAsync(delivery.DeliveryTag) : Task.CompletedTask;
    }

    private void OnSettled(ulong deliveryTag)
    {
        if (_byDelivery.TryRemove(deliveryTag, out var lane))
        {
            lane.Settled();
            lane.Wake.Set();
        }
    }

    /// <summary>
    /// Sends the lane's mail as permits come: one message at a time, the one <see cref="WaitingLane.Peek"/>
    /// picks, waiting (not polling the broker) while the egress or the partition may not send.
    /// </summary>
    private async Task PumpAsync(WaitingLane lane, LaneTenure tenure, CancellationToken stopping)
    {
        try
        {
            while (!stopping.IsCancellationRequested)
            {
                var now = _time.GetUtcNow();
                if (now - tenure.RecordedAt > topology.JournalMaxAge / 4)
                {
                    // The journal keeps records for JournalMaxAge: a lane open longer is recorded again.
                    await journal.LaneAsync(lane.Partition, open: true, now).ConfigureAwait(false);
                    tenure.RecordedAt = now;
                }

                if (lane.Peek() is not { } next)
                {
                    bool woken = await lane.Wake.WaitAsync(options.CloseAfter, _time, stopping).ConfigureAwait(false);
                    if (!woken && _time.GetUtcNow() - lane.LastActive >= options.CloseAfter && await TryCloseAsync(lane, tenure).ConfigureAwait(false))
                    {
                        return;
                    }

                    continue;
                }

                lane.LastActive = now;
                var envelope = next.Envelope;
                if (fallback is not null && (breaker.SuspendedUntil is not null || planner.SuspendedUntil(lane.Partition) is not null)
                    && !next.Work.Rerouted
                    && !services.Pauses.IsPaused(new ControlTarget(ControlTargetKind.Egress, egress)))
                {
                    // Suspended by a ban (the egress, or the partition by its receiver), with a fallback egress to send it:
                    // the dispatcher moves it there.
                    Take(lane, next);
                    Forward(next.Work with { Envelope = envelope });
                    continue;
                }

                if (BlockedUntil(lane.Partition, now) is { } until)
                {
                    // Blocked time earns no catching up (the pump looks again at least every Recheck, and a block may be lifted early).
                    lane.Pacer.Held(now);
                    await lane.Wake.WaitAsync(Min(until - now, Recheck), _time, stopping).ConfigureAwait(false);
                    continue;
                }

                if (NotForThisLane(envelope, now))
                {
                    // Paused by itself, past its notAfter, or larger than a transaction may now be: the dispatcher
                    // settles it (tiers, parked, split) as it would any message.
                    Take(lane, next);
                    Forward(next.Work with { Envelope = envelope });
                    continue;
                }

                if (options.Pacing == LanePacing.Even && lane.Pacer.WaitUntil(now) is { } turn)
                {
                    // Evenly paced: the next permit's turn has not come (a message that arrives meanwhile waits no longer than this).
                    await lane.Wake.WaitAsync(turn - now, _time, stopping).ConfigureAwait(false);
                    continue;
                }

                switch (await limiters.AdmitAsync(lane.Partition, envelope.Mail.Tenant, envelope.Recipients.Count, stopping).ConfigureAwait(false))
                {
                    case Admission.Granted granted:
                        Take(lane, next);
                        if (options.Pacing == LanePacing.Even && limiters.PartitionLimiter(lane.Partition) is { } limiter)
                        {
                            lane.Pacer.Sent(now, limiter.Window, limiter.PermitLimit, envelope.Recipients.Count);
                        }

                        if (!Forward(next.Work with { Envelope = envelope, Lease = granted.Lease }))
                        {
                            granted.Lease.Dispose();
                        }

                        break;
                    case Admission.RateLimited limited:
                        lane.Pacer.Held(now);
                        // The ramp may open a permit before the limiter's own estimate: look again within a second.
                        await lane.Wake.WaitAsync(Min(limited.RetryAfter, Recheck), _time, stopping).ConfigureAwait(false);
                        break;
                    default:
                        await lane.Wake.WaitAsync(BusyRecheck, _time, stopping).ConfigureAwait(false);
                        break;
                }
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            // Stopping: what the lane holds is given back by StopAsync.
        }
    }

    /// <summary>Hands a message to the senders; false (and requeued) when they have stopped taking work.</summary>
    private bool Forward(EgressWork work)
    {
        if (senders.TryWrite(work))
        {
            return true;
        }

        _ = work.Settler.RequeueAsync(work.DeliveryTag);
        return false;
    }

    /// <summary>Takes the picked message out of the lane; fresh transactional mail held beside it frees its share of the prefetch.</summary>
    private void Take(WaitingLane lane, WaitingLane.Held held)
    {
        lane.Take(held);
        if (held.Work.Lane is null)
        {
            Interlocked.Decrement(ref _priorityHeld);
        }
        else if (held.Envelope.Mail.Priority == MailPriority.Bulk)
        {
            lane.BulkTaken();
        }
    }

    /// <summary>Until when nothing of this lane may be sent: the egress paused, suspended or backing off, or the partition cooling down.</summary>
    private DateTimeOffset? BlockedUntil(string partition, DateTimeOffset now)
    {
        if (services.Pauses.IsPaused(new ControlTarget(ControlTargetKind.Egress, egress)))
        {
            return now + Recheck;
        }

        var until = Moments.Latest(breaker.SuspendedUntil, planner.CoolingUntil(partition), gate.ClosedUntil);
        return until > now ? until : null;
    }

    private bool NotForThisLane(EgressEnvelope envelope, DateTimeOffset now) =>
        services.Pauses.Holds(egress, envelope.Domain, envelope.Provider, envelope.Mail.Tenant)
        || envelope.Mail.NotAfter <= now
        || limiters.LargestTransaction(envelope.Partition, envelope.Mail.Tenant) < envelope.Recipients.Count;

    /// <summary>Removes a lane that has been empty for a while; false (and it stays) when mail is still in it or on its way.</summary>
    private async Task<bool> TryCloseAsync(WaitingLane lane, LaneTenure tenure)
    {
        lock (_gate)
        {
            if (lane.Count > 0 || lane.Outstanding > 0 || lane.Moving > 0)
            {
                return false;
            }

            tenure.Closing = true;
        }

        bool closed = false;
        try
        {
            uint waiting = await AdministerAsync(c => c.MessageCountAsync(lane.Queue)).ConfigureAwait(false);
            if (waiting == 0 && lane.Outstanding == 0)
            {
                // Only this owner publishes into its lanes, and none may while the lane is closing: empty now is empty.
                // (Quorum queues refuse the if-empty flag of queue.delete.)
                await _acks!.UseAsync(async c =>
                {
                    await c.BasicCancelAsync(tenure.ConsumerTag!).ConfigureAwait(false);
                    return 0;
                }).ConfigureAwait(false);
                await AdministerAsync(c => c.QueueDeleteAsync(lane.Queue, ifUnused: false, ifEmpty: false)).ConfigureAwait(false);
                await journal.LaneAsync(lane.Partition, open: false, _time.GetUtcNow()).ConfigureAwait(false);
                _byConsumer.TryRemove(tenure.ConsumerTag!, out _);
                closed = true;
                LogLaneClosed(egress, lane.Partition);
            }
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            LogLaneFailed(egress, lane.Partition, e.GetType().Name, e.Message);
        }
        finally
        {
            lock (_gate)
            {
                if (closed)
                {
                    _lanes.Remove(lane.Partition);
                    _tenures.Remove(lane);
                }
                else
                {
                    tenure.Closing = false;
                }
            }

            if (closed)
            {
                tenure.Closed.TrySetResult();
            }
        }

        return closed;
    }

    /// <summary>
    /// Declares, counts and deletes on a channel of their own: a refusal by the broker closes the channel it came
    /// on, and must not close the one the lanes are consumed and acknowledged on.
    /// </summary>
    private async Task<T> AdministerAsync<T>(Func<IChannel, Task<T>> operation)
    {
        await using var channel = await connection.CreateChannelAsync().ConfigureAwait(false);
        var result = await operation(channel).ConfigureAwait(false);
        await channel.CloseAsync().ConfigureAwait(false);
        return result;
    }

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;

    [LoggerMessage(Level = LogLevel.Information, Message = "Egress {Egress}: {Partition} has mail waiting; its lane is open.")]
    private partial void LogLaneOpened(string egress, string partition);

    [LoggerMessage(Level = LogLevel.Information, Message = "Egress {Egress}: the lane of {Partition} is empty and removed.")]
    private partial void LogLaneClosed(string egress, string partition);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Egress {Egress}: the lane of {Partition} could not be opened or removed ({Error}: {Message}); its mail waits in the delay tiers meanwhile.")]
    private partial void LogLaneFailed(string egress, string partition, string error, string message);

    /// <summary>The broker side of one lane while it is open.</summary>
    private sealed class LaneTenure
    {
        public TaskCompletionSource Opened { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Closed { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task Pump { get; set; } = Task.CompletedTask;

        public string? ConsumerTag { get; set; }

        public bool Closing { get; set; }

        public DateTimeOffset RecordedAt { get; set; }
    }
}

/// <summary>An open lane as status sees it: its messages held by the owner (the rest are on the broker, in <paramref name="Queue"/>).</summary>
public sealed record LaneWaiting(string Partition, string Queue, int Held, DateTimeOffset? OldestHeld);
