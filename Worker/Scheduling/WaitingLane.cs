using Sluice.Contracts;
using Sluice.Worker.Delivery;

namespace Sluice.Worker.Scheduling;

/// <summary>
/// One partition's waiting lane as the owner holds it: the messages taken from the lane's queue (and fresh
/// transactional mail held beside it), ready for the partition's next permits. Transactional mail goes
/// first; while both kinds wait, bulk still gets <c>bulkShare</c> of the picks, so it never starves. Pure
/// state, no broker: <see cref="WaitingLanes"/> feeds it and sends what it picks.
/// </summary>
public sealed class WaitingLane(string partition, string queue, double bulkShare)
{
    private readonly Lock _gate = new();
    private readonly LinkedList<Held> _transactional = new();
    private readonly LinkedList<Held> _bulk = new();
    private double _bulkCredit;

    public string Partition { get; } = partition;

    /// <summary>The lane's queue on the broker.</summary>
    public string Queue { get; } = queue;

    /// <summary>Deliveries from the lane's queue not yet settled (held here, on their way to a sender, or being sent).</summary>
    public int Outstanding => Volatile.Read(ref _outstanding);

    /// <summary>Copies being published into the lane's queue right now (the lane may not be removed meanwhile).</summary>
    public int Moving => Volatile.Read(ref _moving);

    /// <summary>Messages held, both kinds.</summary>
    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _transactional.Count + _bulk.Count;
            }
        }
    }

    /// <summary>When the oldest message held here was accepted; null when none is held.</summary>
    public DateTimeOffset? OldestHeld
    {
        get
        {
            lock (_gate)
            {
                return _transactional.Concat(_bulk).Select(h => (DateTimeOffset?)h.Envelope.AcceptedAt).Min();
            }
        }
    }

    /// <summary>Fresh transactional messages held beside the lane (not from its queue).</summary>
    public int PriorityHeld
    {
        get
        {
            lock (_gate)
            {
                return _transactional.Count(h => h.Work.Lane is null);
            }
        }
    }

    /// <summary>Wakes the lane's pump: something arrived, or a condition it waits on changed.</summary>
    public Signal Wake { get; } = new();

    /// <summary>With even pacing: when the lane may send again.</summary>
    public LanePacer Pacer { get; } = new();

    /// <summary>When the lane last held or sent something (for removing idle lanes).</summary>
    public DateTimeOffset LastActive { get; set; }

    private int _outstanding;
    private int _moving;
    private int _bulkQueued;

    public void Hold(EgressWork work, EgressEnvelope envelope)
    {
        ArgumentNullException.ThrowIfNull(work);
        ArgumentNullException.ThrowIfNull(envelope);
        lock (_gate)
        {
            (envelope.Mail.Priority == MailPriority.Bulk ? _bulk : _transactional).AddLast(new Held(work, envelope));
        }

        Wake.Set();
    }

    /// <summary>Puts a message back at the head of its kind (it was picked, and could not be sent after all).</summary>
    public void Return(EgressWork work, EgressEnvelope envelope)
    {
        ArgumentNullException.ThrowIfNull(envelope);
        lock (_gate)
        {
            (envelope.Mail.Priority == MailPriority.Bulk ? _bulk : _transactional).AddFirst(new Held(work, envelope));
        }

        Wake.Set();
    }

    /// <summary>The message the next permit belongs to (not removed; <see cref="Take"/> removes it); null when none waits.</summary>
    public Held? Peek()
    {
        lock (_gate)
        {
            return PickList()?.First?.Value;
        }
    }

    /// <summary>Removes <paramref name="held"/>, picked by <see cref="Peek"/>, and counts the pick towards bulk's share.</summary>
    public void Take(Held held)
    {
        ArgumentNullException.ThrowIfNull(held);
        lock (_gate)
        {
            bool bulkWaiting = _bulk.Count > 0;
            bool fromBulk = _bulk.Remove(held);
            if (!fromBulk)
            {
                _transactional.Remove(held);
            }

            // Bulk earns credit for every transactional pick made while it waited, and spends a whole one per pick.
            _bulkCredit = fromBulk ? Math.Max(0, _bulkCredit - 1) : bulkWaiting ? _bulkCredit + bulkShare : 0;
        }
    }

    /// <summary>Every message held, removed (the owner is stopping: they go back to the broker).</summary>
    public IReadOnlyList<Held> TakeAll()
    {
        lock (_gate)
        {
            var all = _transactional.Concat(_bulk).ToList();
            _transactional.Clear();
            _bulk.Clear();
            return all;
        }
    }

    /// <summary>
    /// Bulk messages this owner moved into the lane's queue and has not yet taken out (a lower bound after a takeover:
    /// what a previous owner moved is not counted). While any waits there, fresh transactional mail does not join the queue.
    /// </summary>
    public int BulkQueued => Math.Max(0, Volatile.Read(ref _bulkQueued));

    public void BulkMoved() => Interlocked.Increment(ref _bulkQueued);

    public void BulkTaken() => Interlocked.Decrement(ref _bulkQueued);

    public void Delivered() => Interlocked.Increment(ref _outstanding);

    public void Settled() => Interlocked.Decrement(ref _outstanding);

    public void MoveStarted() => Interlocked.Increment(ref _moving);

    public void MoveEnded() => Interlocked.Decrement(ref _moving);

    private LinkedList<Held>? PickList()
    {
        if (_transactional.Count == 0)
        {
            return _bulk.Count == 0 ? null : _bulk;
        }

        return _bulk.Count > 0 && _bulkCredit >= 1 - 1e-9 ? _bulk : _transactional;
    }

    /// <summary>A message held in the lane and the envelope read from it.</summary>
    public sealed record Held(EgressWork Work, EgressEnvelope Envelope);
}
