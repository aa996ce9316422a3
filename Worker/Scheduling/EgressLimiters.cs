using System.Collections.Concurrent;
using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;

namespace Sluice.Worker.Scheduling;

/// <summary>
/// The limit chain of one egress: per partition (provider or domain) a concurrency
/// limiter (a System.Threading.RateLimiting partition) and an exact sliding window; then the client
/// tenant's window, then the egress-wide minute and day. Permits are recipients. A send needs every
/// level at once: all are asked under one lock before any is taken, so a refusal by one level costs
/// the others nothing. Every limit is scaled by the warm-up ramp.
/// </summary>
public sealed class EgressLimiters : IDisposable
{
    private const string TenantPrefix = "tenant:";
    private const string EgressMinute = "egress:minute";
    private const string EgressDay = "egress:day";

    private readonly LimitOptions _options;
    private readonly TimeProvider _time;
    private readonly PartitionedRateLimiter<string> _concurrency;
    private readonly ConcurrentDictionary<string, SlidingLogRateLimiter?> _windows = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, DateTimeOffset> _lastIncrease = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Learned> _learned = new(StringComparer.Ordinal);
    private readonly Lock _chain = new();
    private DateTimeOffset _takeoverAt = DateTimeOffset.MinValue;

    public EgressLimiters(IOptions<LimitOptions> options, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options.Value;
        _time = time;
        WarmUp = new WarmUpRamp(options, time);
        _concurrency = PartitionedRateLimiter.Create<string, string>(partition => RateLimitPartition.GetConcurrencyLimiter(
            partition, p => new ConcurrencyLimiterOptions
            {
                PermitLimit = _options.For(p).Concurrency,
                // As many senders may wait for a slot (for a send to that partition to finish, not for a
                // clock) as may hold one; more are turned away, so one slow partition ties up at most twice
                // its concurrency in connections and the rest keep serving the others.
                QueueLimit = _options.For(p).Concurrency,
                QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
            }));
    }

    /// <summary>The warm-up ramp every limit of this egress is scaled by.</summary>
    public WarmUpRamp WarmUp { get; }

    /// <summary>
    /// Called when this worker becomes the owner of the egress and has read the delivery journal: every
    /// window starts with what the previous owners used of it (the day quota included), so the hand-over
    /// neither overruns a limit nor wastes one. The ramp starts only if the egress had been quiet for at
    /// least <c>Limits:WarmUp:AfterOutage</c> (a backlog is waiting); an egress that was sending carries on.
    /// </summary>
    public void TakeOver(IReadOnlyList<WindowCharge> charges, DateTimeOffset? lastSend)
    {
        ArgumentNullException.ThrowIfNull(charges);
        foreach (var charge in charges)
        {
            foreach (var (_, limiter) in Levels(charge.Partition, charge.Tenant))
            {
                limiter.Charge(charge.Permits, charge.At);
            }
        }

        // A transaction's record is written with the transaction, not before it, so a previous owner killed mid-send
        // may have sent a few the journal never got: at most one per transaction the partition allows at once.
        // Each receiver it sent to counts that many more, as of its last record: a hand-over may waste those
        // permits for one window, but never overruns a receiver's limit. (The egress's own quotas are not charged.)
        foreach (var latest in charges.GroupBy(c => c.Partition, StringComparer.Ordinal).Select(g => g.MaxBy(c => c.At)!))
        {
            if (PartitionLimiter(latest.Partition) is { } receiver)
            {
                receiver.Charge(_options.For(latest.Partition).Concurrency, latest.At);
            }
        }

        var now = _time.GetUtcNow();
        WarmUp.AfterOutage(lastSend is { } last ? now - last : TimeSpan.MaxValue, now);
    }

    /// <summary>
    /// The fallback when the journal cannot be read: until one window has passed, every window counts as
    /// full (the previous owner may have just used it), and then the ramp starts.
    /// </summary>
    public void HoldWindowsFromNow()
    {
        if (_options.HoldWindowsOnTakeover)
        {
            _takeoverAt = _time.GetUtcNow();
        }

        WarmUp.Begin(_time.GetUtcNow());
    }

    public async ValueTask<Admission> AdmitAsync(string partition, string tenant, int recipients, CancellationToken cancellationToken)
    {
        var concurrency = await _concurrency.AcquireAsync(partition, 1, cancellationToken).ConfigureAwait(false);
        if (!concurrency.IsAcquired)
        {
            concurrency.Dispose();
            return new Admission.Busy();
        }

        var levels = Levels(partition, tenant);
        lock (_chain)
        {
            Admission.RateLimited? refused = null;
            var inForce = new int[levels.Count];
            for (int i = 0; i < levels.Count; i++)
            {
                var (key, limiter) = levels[i];
                inForce[i] = WarmUp.Apply(limiter.PermitLimit, limiter.HeldUntil, limiter.Window, limiter.RampsFrom);
                if (limiter.WaitFor(recipients, inForce[i]) is { } wait && (refused is null || wait > refused.RetryAfter))
                {
                    refused = new Admission.RateLimited(wait, limiter, key);
                }
            }

            if (refused is not null)
            {
                concurrency.Dispose();
                return refused;
            }

            // Every level has room and no one else takes under this lock: these cannot be refused.
            var leases = levels.Select((level, i) => level.Limiter.AttemptAcquireUnder(recipients, inForce[i])).ToList();
            return new Admission.Granted(new Admission.Leases(concurrency, leases));
        }
    }

    /// <summary>
    /// The most recipients one transaction of <paramref name="partition"/> for <paramref name="tenant"/> may
    /// carry now: the smallest limit of its chain as adapted to throttle replies (null: no limit). The
    /// warm-up ramp is left out on purpose: it is brief, and splitting for it would multiply transactions.
    /// </summary>
    public int? LargestTransaction(string partition, string tenant) =>
        Levels(partition, tenant).Select(level => (int?)level.Limiter.PermitLimit).Min();

    /// <summary>The rate limiter of a partition (null: no rate limit), for planning its slots.</summary>
    public SlidingLogRateLimiter? PartitionLimiter(string partition) => _windows.GetOrAdd(partition, CreateLimiter);

    /// <summary>The limit now in force for <paramref name="partition"/>, before the ramp (null: no rate limit).</summary>
    public int? CurrentLimit(string partition) =>
        _windows.TryGetValue(partition, out var limiter) && limiter is not null ? limiter.PermitLimit : _options.For(partition).PermitLimit;

    /// <summary>
    /// A receiver's ban of <paramref name="partition"/> ends at <paramref name="at"/> (its expiry, or an operator's
    /// resume): its limit comes back on the warm-up ramp from then, as a whole egress does after its own ban.
    /// </summary>
    public void RampAfterBan(string partition, DateTimeOffset at) => PartitionLimiter(partition)?.RampFrom(at);

    /// <summary>When <paramref name="partition"/>'s own ramp began (see <see cref="RampAfterBan"/>); null when it has none.</summary>
    public DateTimeOffset? OwnRamp(string partition) => _windows.TryGetValue(partition, out var limiter) ? limiter?.RampsFrom : null;

    /// <summary>
    /// A throttle reply: cut the partition's rate (multiplicative decrease), once per window, but not
    /// below what the receiver accepted in this window (the permits in use, less the one refused).
    /// </summary>
    public void Throttled(string partition)
    {
        if (!_options.Adaptive.Enabled || _windows.GetOrAdd(partition, CreateLimiter) is not { } limiter)
        {
            return;
        }

        var limit = _options.For(partition);
        var now = _time.GetUtcNow();
        if (_learned.TryGetValue(partition, out var last) && now - last.At < limit.Window)
        {
            // The other replies of the same burst: that signal has been taken already.
            return;
        }

        int ceiling = limit.PermitLimit!.Value;
        int floor = Math.Max(1, (int)Math.Ceiling(ceiling * _options.Adaptive.Floor));
        int accepted = limiter.InUse - 1;
        int cut = Math.Max(floor, Math.Max((int)(limiter.PermitLimit * _options.Adaptive.Decrease), Math.Min(accepted, limiter.PermitLimit - 1)));
        limiter.PermitLimit = cut;
        _learned[partition] = new Learned(cut, now);
        _lastIncrease[partition] = now;
    }

    /// <summary>A delivery: once a whole window has passed since the last change, step back up towards the ceiling.</summary>
    public void Delivered(string partition)
    {
        if (!_options.Adaptive.Enabled || !_windows.TryGetValue(partition, out var limiter) || limiter is null)
        {
            return;
        }

        var limit = _options.For(partition);
        int ceiling = limit.PermitLimit!.Value;
        if (limiter.PermitLimit >= ceiling)
        {
            return;
        }

        var now = _time.GetUtcNow();
        var last = _lastIncrease.GetOrAdd(partition, now);
        if (now - last >= limit.Window)
        {
            // Back up to what the receiver took at once; beyond that only after a long quiet spell.
            int cap = _learned.TryGetValue(partition, out var learned) && now - learned.At < limit.Window * _options.Adaptive.ProbeAfterWindows
                ? Math.Max(learned.Limit, limiter.PermitLimit)
                : ceiling;
            limiter.PermitLimit = Math.Min(cap, limiter.PermitLimit + Math.Max(1, (int)Math.Ceiling(ceiling * _options.Adaptive.Increase)));
            _lastIncrease[partition] = now;
        }
    }

    public void Dispose()
    {
        _concurrency.Dispose();
        foreach (var limiter in _windows.Values)
        {
            limiter?.Dispose();
        }
    }

    /// <summary>The limit a throttle left a partition at, and when.</summary>
    private readonly record struct Learned(int Limit, DateTimeOffset At);

    /// <summary>The levels with a limit, in chain order: partition, tenant, egress minute, egress day.</summary>
    private List<(string Key, SlidingLogRateLimiter Limiter)> Levels(string partition, string tenant)
    {
        var levels = new List<(string, SlidingLogRateLimiter)>(4);
        foreach (string key in (ReadOnlySpan<string>)[partition, TenantPrefix + tenant, EgressMinute, EgressDay])
        {
            if (_windows.GetOrAdd(key, CreateLimiter) is { } limiter)
            {
                levels.Add((key, limiter));
            }
        }

        return levels;
    }

    private WindowLimit LimitOf(string key) => key switch
    {
        EgressMinute => new WindowLimit { PermitLimit = _options.Egress.PerMinute, Window = TimeSpan.FromMinutes(1) },
        EgressDay => new WindowLimit { PermitLimit = _options.Egress.PerDay, Window = TimeSpan.FromDays(1) },
        _ when key.StartsWith(TenantPrefix, StringComparison.Ordinal) => _options.ForTenant(key[TenantPrefix.Length..]),
        _ => _options.For(key),
    };

    private SlidingLogRateLimiter? CreateLimiter(string key)
    {
        var limit = LimitOf(key);
        if (limit.PermitLimit is not int permits)
        {
            return null;
        }

        var window = limit.Window + _options.Margin;
        var limiter = new SlidingLogRateLimiter(permits, window, _time);

        // The takeover hold covers windows up to an hour: holding a daily quota would stop the egress for a day.
        // Without the journal, the day's count therefore starts afresh with a new owner.
        if (_takeoverAt != DateTimeOffset.MinValue && limit.Window <= TimeSpan.FromHours(1) && _time.GetUtcNow() < _takeoverAt + window)
        {
            limiter.HoldUntil(_takeoverAt + window);
        }

        return limiter;
    }
}
