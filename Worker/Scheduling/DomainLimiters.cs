using System.Collections.Concurrent;
using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;

namespace Sluice.Worker.Scheduling;

/// <summary>
/// The limits of one egress, per recipient domain: a concurrency limiter (a System.Threading.RateLimiting
/// partition) and an exact sliding-window rate limiter. Permits are recipients. Concurrency is checked
/// first because a concurrency permit is returned when refused further on, while a rate permit once
/// taken is spent: so a refusal at either level costs the other nothing.
/// </summary>
public sealed class DomainLimiters : IDisposable
{
    private readonly LimitOptions _options;
    private readonly TimeProvider _time;
    private readonly PartitionedRateLimiter<string> _concurrency;
    private readonly ConcurrentDictionary<string, SlidingLogRateLimiter?> _rate = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, DateTimeOffset> _lastIncrease = new(StringComparer.Ordinal);
    private DateTimeOffset _takeoverAt = DateTimeOffset.MinValue;

    public DomainLimiters(IOptions<LimitOptions> options, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options.Value;
        _time = time;
        _concurrency = PartitionedRateLimiter.Create<string, string>(domain => RateLimitPartition.GetConcurrencyLimiter(
            domain, d => new ConcurrencyLimiterOptions
            {
                PermitLimit = _options.For(d).Concurrency,
                // As many senders may wait for a slot (for a send to that domain to finish, not for a
                // clock) as may hold one; more are turned away, so one slow domain ties up at most twice
                // its concurrency in connections and the rest keep serving other domains.
                QueueLimit = _options.For(d).Concurrency,
                QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
            }));
    }

    /// <summary>
    /// Called when this worker becomes the owner of the egress: until one window has passed, every
    /// domain's window counts as full (the previous owner may have just used it).
    /// </summary>
    public void HoldWindowsFromNow()
    {
        if (_options.HoldWindowsOnTakeover)
        {
            _takeoverAt = _time.GetUtcNow();
        }
    }

    public async ValueTask<Admission> AdmitAsync(string domain, int recipients, CancellationToken cancellationToken)
    {
        var concurrency = await _concurrency.AcquireAsync(domain, 1, cancellationToken).ConfigureAwait(false);
        if (!concurrency.IsAcquired)
        {
            concurrency.Dispose();
            return new Admission.Busy();
        }

        var limiter = _rate.GetOrAdd(domain, CreateRateLimiter);
        if (limiter is null)
        {
            return new Admission.Granted(new Admission.Leases(concurrency, null));
        }

        var rate = limiter.AttemptAcquire(recipients);
        if (!rate.IsAcquired)
        {
            var retryAfter = rate.TryGetMetadata(MetadataName.RetryAfter, out var after) ? after : _options.For(domain).Window;
            rate.Dispose();
            concurrency.Dispose();
            return new Admission.RateLimited(retryAfter, limiter);
        }

        return new Admission.Granted(new Admission.Leases(concurrency, rate));
    }

    /// <summary>The limit now in force for <paramref name="domain"/> (null: no rate limit).</summary>
    public int? CurrentLimit(string domain) =>
        _rate.TryGetValue(domain, out var limiter) && limiter is not null ? limiter.PermitLimit : _options.For(domain).PermitLimit;

    /// <summary>A throttle reply: cut the domain's rate (multiplicative decrease).</summary>
    public void Throttled(string domain)
    {
        if (!_options.Adaptive.Enabled || _rate.GetOrAdd(domain, CreateRateLimiter) is not { } limiter)
        {
            return;
        }

        int ceiling = _options.For(domain).PermitLimit!.Value;
        int floor = Math.Max(1, (int)Math.Ceiling(ceiling * _options.Adaptive.Floor));
        limiter.PermitLimit = Math.Max(floor, (int)(limiter.PermitLimit * _options.Adaptive.Decrease));
        _lastIncrease[domain] = _time.GetUtcNow();
    }

    /// <summary>A delivery: once a whole window has passed since the last change, step back up towards the ceiling.</summary>
    public void Delivered(string domain)
    {
        if (!_options.Adaptive.Enabled || !_rate.TryGetValue(domain, out var limiter) || limiter is null)
        {
            return;
        }

        var limit = _options.For(domain);
        int ceiling = limit.PermitLimit!.Value;
        if (limiter.PermitLimit >= ceiling)
        {
            return;
        }

        var now = _time.GetUtcNow();
        var last = _lastIncrease.GetOrAdd(domain, now);
        if (now - last >= limit.Window)
        {
            limiter.PermitLimit = Math.Min(ceiling, limiter.PermitLimit + Math.Max(1, (int)Math.Ceiling(ceiling * _options.Adaptive.Increase)));
            _lastIncrease[domain] = now;
        }
    }

    public void Dispose()
    {
        _concurrency.Dispose();
        foreach (var limiter in _rate.Values)
        {
            limiter?.Dispose();
        }
    }

    private SlidingLogRateLimiter? CreateRateLimiter(string domain)
    {
        var limit = _options.For(domain);
        if (limit.PermitLimit is not int permits)
        {
            return null;
        }

        var window = limit.Window + _options.Margin;
        var limiter = new SlidingLogRateLimiter(permits, window, _time);
        if (_takeoverAt != DateTimeOffset.MinValue && _time.GetUtcNow() < _takeoverAt + window)
        {
            limiter.HoldUntil(_takeoverAt + window);
        }

        return limiter;
    }
}
