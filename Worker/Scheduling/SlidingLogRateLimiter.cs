using System.Threading.RateLimiting;

namespace Sluice.Worker.Scheduling;

/// <summary>
/// An exact sliding-window limiter: a permit taken at <c>t</c> comes back at <c>t + window</c>, so no
/// window of that length, aligned or not, ever holds more than the limit. The library's
/// <see cref="SlidingWindowRateLimiter"/> counts in segments: permits taken at the end of a segment come
/// back a window after the segment's start, so an unaligned window can hold up to one segment's worth
/// too many, which is exactly what a receiver's own sliding count punishes. Plugs into <see cref="PartitionedRateLimiter"/> like any other <see cref="RateLimiter"/>;
/// a refusal carries <see cref="MetadataName.RetryAfter"/> = when enough permits come back.
/// Never queues: a caller that is refused goes elsewhere (a delay tier) instead of waiting.
/// </summary>
public sealed class SlidingLogRateLimiter : RateLimiter
{
    private readonly Lock _gate = new();
    private readonly Queue<(long At, int Permits)> _log = new();
    private readonly int _permitLimit;
    private readonly long _windowTicks;
    private readonly TimeProvider _time;
    private int _held;
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

    /// <summary>Marks the whole window as used until <paramref name="until"/> (a new owner's conservative start).</summary>
    public void HoldUntil(DateTimeOffset until)
    {
        lock (_gate)
        {
            _log.Enqueue((until.UtcTicks - _windowTicks, _permitLimit - _held));
            _held = _permitLimit;
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
            times.AddRange(Enumerable.Repeat(new DateTimeOffset(now, TimeSpan.Zero), _permitLimit - _held));
            foreach (var (at, permits) in _log)
            {
                times.AddRange(Enumerable.Repeat(new DateTimeOffset(Math.Max(at + _windowTicks, now), TimeSpan.Zero), permits));
            }

            return times;
        }
    }

    public override RateLimiterStatistics GetStatistics()
    {
        lock (_gate)
        {
            Expire(Now);
            return new RateLimiterStatistics
            {
                CurrentAvailablePermits = _permitLimit - _held,
                CurrentQueuedCount = 0,
                TotalFailedLeases = _failed,
                TotalSuccessfulLeases = _successful,
            };
        }
    }

    protected override RateLimitLease AttemptAcquireCore(int permitCount)
    {
        // A message with more recipients than the whole window allows still has to go some time:
        // it may go alone, in an otherwise empty window.
        int permits = Math.Min(permitCount, _permitLimit);
        lock (_gate)
        {
            long now = Now;
            Expire(now);
            if (_held + permits <= _permitLimit)
            {
                if (permits > 0)
                {
                    _log.Enqueue((now, permits));
                    _held += permits;
                }

                _successful++;
                return SlidingLogLease.Acquired;
            }

            _failed++;
            return SlidingLogLease.Refused(TimeSpan.FromTicks(TicksUntilFree(now, permits)));
        }
    }

    protected override ValueTask<RateLimitLease> AcquireAsyncCore(int permitCount, CancellationToken cancellationToken) =>
        ValueTask.FromResult(AttemptAcquireCore(permitCount));

    private void Expire(long now)
    {
        while (_log.Count > 0 && _log.Peek().At + _windowTicks <= now)
        {
            _held -= _log.Dequeue().Permits;
            if (_held == 0)
            {
                _idleSince = now;
            }
        }
    }

    /// <summary>Walks the log from the oldest entry until enough permits would have come back.</summary>
    private long TicksUntilFree(long now, int permits)
    {
        int needed = _held + permits - _permitLimit;
        foreach (var (at, count) in _log)
        {
            needed -= count;
            if (needed <= 0)
            {
                return Math.Max(0, at + _windowTicks - now);
            }
        }

        return _windowTicks;
    }

    private sealed class SlidingLogLease(bool isAcquired, TimeSpan? retryAfter) : RateLimitLease
    {
        public static readonly SlidingLogLease Acquired = new(true, null);

        public override bool IsAcquired { get; } = isAcquired;

        public override IEnumerable<string> MetadataNames => retryAfter is null ? [] : [MetadataName.RetryAfter.Name];

        public static SlidingLogLease Refused(TimeSpan retryAfter) => new(false, retryAfter);

        public override bool TryGetMetadata(string metadataName, out object? metadata)
        {
            metadata = retryAfter;
            return retryAfter is not null && metadataName == MetadataName.RetryAfter.Name;
        }
    }
}
