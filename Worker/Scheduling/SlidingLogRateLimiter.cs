using System.Threading.RateLimiting;

namespace Sluice.Worker.Scheduling;

/// <summary>
/// An exact sliding-window limiter: a permit counts from the moment its lease is disposed (the SMTP
/// transaction is over) and comes back one window after that. The receiver counts a recipient somewhere
/// between the permit being taken and the transaction ending, so whatever the network or scheduling
/// delays, the receiver never sees two uses of one permit less than a window apart: no window of
/// that length, aligned or not, holds more than the limit at the receiver. The library's
/// <see cref="SlidingWindowRateLimiter"/> counts in segments: permits taken at the end of a segment come
/// back a window after the segment's start, so an unaligned window can hold up to one segment's worth
/// too many, which is exactly what a receiver's own sliding count punishes. Plugs into <see cref="PartitionedRateLimiter"/> like any other <see cref="RateLimiter"/>;
/// a refusal carries <see cref="MetadataName.RetryAfter"/> = when enough permits come back.
/// Never queues: a caller that is refused goes elsewhere (a delay tier) instead of waiting.
/// </summary>
public sealed class SlidingLogRateLimiter : RateLimiter
{
    private readonly Lock _gate = new();
    private readonly Queue<Entry> _log = new();
    private int _permitLimit;
    private readonly long _windowTicks;
    private readonly TimeProvider _time;
    private int _held;
    private long _heldUntil;
    private long _rampsFrom;
    private long _idleSince;
    private long _successful;
    private long _failed;

    public SlidingLogRateLimiter(int permitLimit, TimeSpan window, TimeProvider time)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(permitLimit, 1);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(window, TimeSpan.Zero);
        ArgumentNullException.ThrowIfNull(time);
        _permitLimit = permitLimit;
        _windowTicks = window.Ticks;
        _time = time;
        _idleSince = Now;
    }

    public override TimeSpan? IdleDuration
    {
        get
        {
            lock (_gate)
            {
                Expire(Now);
                return _held == 0 ? TimeSpan.FromTicks(Now - _idleSince) : null;
            }
        }
    }

    private long Now => _time.GetUtcNow().UtcTicks;

    /// <summary>How long a permit stays spent after its transaction ends.</summary>
    public TimeSpan Window => TimeSpan.FromTicks(_windowTicks);

    /// <summary>The end of the hold set by <see cref="HoldUntil"/> (the warm-up ramp starts from there).</summary>
    public DateTimeOffset HeldUntil
    {
        get
        {
            lock (_gate)
            {
                return new DateTimeOffset(_heldUntil, TimeSpan.Zero);
            }
        }
    }

    /// <summary>When this limit's own warm-up ramp began (its partition's ban ended); null when it has none.</summary>
    public DateTimeOffset? RampsFrom
    {
        get
        {
            long ticks = Interlocked.Read(ref _rampsFrom);
            return ticks == 0 ? null : new DateTimeOffset(ticks, TimeSpan.Zero);
        }
    }

    /// <summary>Starts this limit's own warm-up ramp at <paramref name="at"/> (the rest of the egress keeps its limits).</summary>
    public void RampFrom(DateTimeOffset at) => Interlocked.Exchange(ref _rampsFrom, at.UtcTicks);

    /// <summary>Marks the whole window as used until <paramref name="until"/> (a new owner's conservative start).</summary>
    public void HoldUntil(DateTimeOffset until)
    {
        lock (_gate)
        {
            _heldUntil = Math.Max(_heldUntil, until.UtcTicks);
            int fill = Math.Max(0, _permitLimit - _held);
            _log.Enqueue(new Entry(until.UtcTicks - _windowTicks, fill, committed: true));
            _held += fill;
        }
    }

    /// <summary>
    /// Counts permits used by a transaction that ended at <paramref name="endedAt"/> (read from the delivery
    /// journal: what a previous owner sent). Callers give them oldest first, before any permit is taken.
    /// </summary>
    public void Charge(int permits, DateTimeOffset endedAt)
    {
        lock (_gate)
        {
            long now = Now;
            long at = Math.Min(endedAt.UtcTicks, now);
            if (permits <= 0 || at + _windowTicks <= now)
            {
                return;
            }

            int counted = Permits(permits, _permitLimit);
            _log.Enqueue(new Entry(at, counted, committed: true));
            _held += counted;
        }
    }

    /// <summary>
    /// When each of the limit's permits is (or becomes) free, earliest first: <c>now</c> for the free
    /// ones, then the expiry of every held permit. The slot planner lays deferred mail onto this.
    /// </summary>
    public IReadOnlyList<DateTimeOffset> PermitFreeTimes()
    {
        lock (_gate)
        {
            long now = Now;
            Expire(now);
            var times = new List<DateTimeOffset>(_permitLimit);
            times.AddRange(Enumerable.Repeat(new DateTimeOffset(now, TimeSpan.Zero), Math.Max(0, _permitLimit - _held)));
            long earliest = now;
            foreach (var entry in _log)
            {
                // Log order is take order: a permit cannot come back before one taken earlier.
                earliest = Math.Max(earliest, FreeAt(entry, now));
                times.AddRange(Enumerable.Repeat(new DateTimeOffset(earliest, TimeSpan.Zero), entry.Permits));
            }

            return times;
        }
    }

    /// <summary>Permits spent in the current window, including those of transactions still under way.</summary>
    public int InUse
    {
        get
        {
            lock (_gate)
            {
                Expire(Now);
                return _held;
            }
        }
    }

    /// <summary>The limit now in force (the adaptive rate moves it between a floor and the configured ceiling).</summary>
    public int PermitLimit
    {
        get
        {
            lock (_gate)
            {
                return _permitLimit;
            }
        }

        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 1);
            lock (_gate)
            {
                // Lowering it below what is held simply refuses until enough permits have come back.
                _permitLimit = value;
            }
        }
    }

    public override RateLimiterStatistics GetStatistics()
    {
        lock (_gate)
        {
            Expire(Now);
            return new RateLimiterStatistics
            {
                CurrentAvailablePermits = Math.Max(0, _permitLimit - _held),
                CurrentQueuedCount = 0,
                TotalFailedLeases = _failed,
                TotalSuccessfulLeases = _successful,
            };
        }
    }

    protected override RateLimitLease AttemptAcquireCore(int permitCount) => AttemptAcquireUnder(permitCount, PermitLimit);

    /// <summary>Takes <paramref name="permitCount"/> permits if they fit under <paramref name="limitInForce"/> (at most <see cref="PermitLimit"/>).</summary>
    public RateLimitLease AttemptAcquireUnder(int permitCount, int limitInForce)
    {
        lock (_gate)
        {
            long now = Now;
            Expire(now);
            int limit = Math.Min(limitInForce, _permitLimit);
            int permits = Permits(permitCount, limit);
            if (_held + permits <= limit)
            {
                _successful++;
                if (permits == 0)
                {
                    return SlidingLogLease.Acquired(this, null);
                }

                var entry = new Entry(now, permits, committed: false);
                _log.Enqueue(entry);
                _held += permits;
                return SlidingLogLease.Acquired(this, entry);
            }

            _failed++;
            return SlidingLogLease.Refused(TimeSpan.FromTicks(TicksUntilFree(now, permits, limit)));
        }
    }

    /// <summary>
    /// How long until <paramref name="permitCount"/> permits fit under <paramref name="limitInForce"/>:
    /// null if they fit now. Takes nothing, so a chain of limiters can ask every level before taking from any.
    /// </summary>
    public TimeSpan? WaitFor(int permitCount, int limitInForce)
    {
        lock (_gate)
        {
            long now = Now;
            Expire(now);
            int limit = Math.Min(limitInForce, _permitLimit);
            int permits = Permits(permitCount, limit);
            return _held + permits <= limit ? null : TimeSpan.FromTicks(TicksUntilFree(now, permits, limit));
        }
    }

    // A message with more recipients than the whole window allows still has to go some time:
    // it may go alone, in an otherwise empty window.
    private static int Permits(int permitCount, int limit) => Math.Min(permitCount, limit);

    protected override ValueTask<RateLimitLease> AcquireAsyncCore(int permitCount, CancellationToken cancellationToken) =>
        ValueTask.FromResult(AttemptAcquireCore(permitCount));

    /// <summary>The transaction is over: its permits start their window now.</summary>
    private void Commit(Entry entry)
    {
        lock (_gate)
        {
            entry.Commit(Math.Max(entry.At, Now));
        }
    }

    /// <summary>Expires from the front, in take order (a later entry never comes back before an earlier one).</summary>
    private void Expire(long now)
    {
        while (_log.Count > 0 && _log.Peek().Committed && _log.Peek().At + _windowTicks <= now)
        {
            _held -= _log.Dequeue().Permits;
            if (_held == 0)
            {
                _idleSince = now;
            }
        }
    }

    /// <summary>When an entry's permits come back; one still in its transaction, a window from now at the earliest.</summary>
    private long FreeAt(Entry entry, long now) => (entry.Committed ? entry.At : Math.Max(entry.At, now)) + _windowTicks;

    /// <summary>Walks the log from the oldest entry until enough permits would have come back.</summary>
    private long TicksUntilFree(long now, int permits, int limit)
    {
        int needed = _held + permits - limit;
        long earliest = now;
        foreach (var entry in _log)
        {
            earliest = Math.Max(earliest, FreeAt(entry, now));
            needed -= entry.Permits;
            if (needed <= 0)
            {
                return earliest - now;
            }
        }

        return _windowTicks;
    }

    private sealed class Entry(long at, int permits, bool committed)
    {
        public long At { get; private set; } = at;

        public int Permits { get; } = permits;

        public bool Committed { get; private set; } = committed;

        public void Commit(long at)
        {
            if (!Committed)
            {
                At = at;
                Committed = true;
            }
        }
    }

    private sealed class SlidingLogLease(bool isAcquired, TimeSpan? retryAfter, SlidingLogRateLimiter? owner = null, Entry? entry = null) : RateLimitLease
    {
        public override bool IsAcquired { get; } = isAcquired;

        public static SlidingLogLease Acquired(SlidingLogRateLimiter owner, Entry? entry) => new(true, null, owner, entry);

        public override IEnumerable<string> MetadataNames => retryAfter is null ? [] : [MetadataName.RetryAfter.Name];

        public static SlidingLogLease Refused(TimeSpan retryAfter) => new(false, retryAfter);

        public override bool TryGetMetadata(string metadataName, out object? metadata)
        {
            metadata = retryAfter;
            return retryAfter is not null && metadataName == MetadataName.RetryAfter.Name;
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing && entry is not null)
            {
                owner!.Commit(entry);
            }

            base.Dispose(disposing);
        }
    }
}
