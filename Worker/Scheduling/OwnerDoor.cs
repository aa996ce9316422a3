using System.Threading.Channels;

namespace Sluice.Worker.Scheduling;

/// <summary>
/// The way into a running owner's senders for a message this worker's intake has just routed to the egress,
/// without its copy in the egress queue, which saves the broker that copy's publish, confirm, delivery and ack. The intake delivery itself stays
/// unacknowledged until the owner settles it, so a crash anywhere redelivers it to intake and nothing is lost.
/// At most <c>capacity</c> such messages are with the senders at once (intake waits for a place while the owner
/// sends, so a backlog drains at the owner's pace instead of being copied ahead of it), and at most
/// <c>capacity</c> intake handlers wait for a place: the rest copy into the egress queue as before (intake also
/// bounds how many of its handlers wait at any door, so one slow egress cannot hold all of intake).
/// </summary>
public sealed class OwnerDoor : IDisposable
{
    private readonly ChannelWriter<EgressWork> _senders;
    private readonly Func<bool> _sending;
    private readonly SemaphoreSlim _places;
    private readonly int _capacity;
    private readonly Lock _gate = new();
    private CancellationTokenSource _recheck = new();
    private int _waiting;
    private volatile bool _closed;
    private bool _disposed;

    /// <param name="senders">The owner's senders.</param>
    /// <param name="capacity">Messages with the senders at once through this door, and intake handlers waiting at most.</param>
    /// <param name="sending">True while the owner takes new mail (not paused, suspended, backing off from its smarthost, or stopping).</param>
    public OwnerDoor(ChannelWriter<EgressWork> senders, int capacity, Func<bool> sending)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _senders = senders;
        _sending = sending;
        _capacity = capacity;
        _places = new SemaphoreSlim(capacity, capacity);
    }

    /// <summary>Messages with the senders through this door and not yet settled.</summary>
    public int Inside => _capacity - _places.CurrentCount;

    /// <summary>
    /// Hands <paramref name="work"/> to the senders, waiting for a place while the owner sends (when
    /// <paramref name="mayWait"/>); false when the owner does not take it (closed, not sending, no place, or too many
    /// waiting already): then the caller copies it into the egress queue. After true, <see cref="Left"/> must be
    /// called once when the message is settled.
    /// </summary>
    public async Task<bool> TryHandOverAsync(EgressWork work, bool mayWait = true)
    {
        ArgumentNullException.ThrowIfNull(work);
        try
        {
            if (_closed || !_sending())
            {
                return false;
            }

            if (!_places.Wait(0) && (!mayWait || !await WaitForPlaceAsync().ConfigureAwait(false)))
            {
                return false;
            }

            if (!_closed && _sending() && _senders.TryWrite(work))
            {
                return true;
            }

            _places.Release();
            return false;
        }
        catch (ObjectDisposedException)
        {
            // The owner's session ended as this handler reached its door.
            return false;
        }
    }

    /// <summary>A message handed over has been settled (acked, or given back to intake), or waits beside its lane now.</summary>
    public void Left()
    {
        try
        {
            _places.Release();
        }
        catch (Exception e) when (e is ObjectDisposedException or SemaphoreFullException)
        {
            // The session is over, or intake's channel went down while the message was on its way in: either
            // way there is no place to give back.
        }
    }

    /// <summary>
    /// The owner's state changed (paused, suspended, the smarthost failing, or back): waiting handlers look again,
    /// and those whose owner takes no mail now copy their messages into the egress queue.
    /// </summary>
    public void Recheck()
    {
        CancellationTokenSource woken;
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            woken = _recheck;
            _recheck = new CancellationTokenSource();
        }

        woken.Cancel();
        woken.Dispose();
    }

    /// <summary>The owner takes no more: waiting handlers copy their messages into the egress queue.</summary>
    public void Close()
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _closed = true;
        }

        Recheck();
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _disposed = true;
            _recheck.Dispose();
        }

        _places.Dispose();
    }

    private async Task<bool> WaitForPlaceAsync()
    {
        if (Interlocked.Increment(ref _waiting) > _capacity)
        {
            Interlocked.Decrement(ref _waiting);
            return false;
        }

        try
        {
            while (true)
            {
                CancellationToken recheck;
                lock (_gate)
                {
                    recheck = _recheck.Token;
                }

                try
                {
                    await _places.WaitAsync(recheck).ConfigureAwait(false);
                    return true;
                }
                catch (OperationCanceledException) when (!_closed && _sending())
                {
                    // Woken for nothing that concerns this handler: wait on.
                }
                catch (OperationCanceledException)
                {
                    return false;
                }
            }
        }
        finally
        {
            Interlocked.Decrement(ref _waiting);
        }
    }
}
