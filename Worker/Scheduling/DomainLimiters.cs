using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;

namespace Sluice.Worker.Scheduling;

/// <summary>
/// The limits of one egress, partitioned by recipient domain: a concurrency limiter and an exact
/// sliding-window rate limiter per domain (System.Threading.RateLimiting partitions). Permits are
/// recipients. Checks concurrency first because a refused concurrency permit is simply returned,
/// while a rate permit once taken is spent: so a refusal at either level costs the other nothing.
/// </summary>
public sealed class DomainLimiters : IDisposable
{
    private readonly LimitOptions _options;
    private readonly TimeProvider _time;
    private readonly PartitionedRateLimiter<string> _concurrency;
    private readonly PartitionedRateLimiter<string> _rate;
    private DateTimeOffset _takeoverAt = DateTimeOffset.MinValue;

    public DomainLimiters(IOptions<LimitOptions> options, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options.Value;
        _time = time;
        _concurrency = PartitionedRateLimiter.Create<string, string>(domain => RateLimitPartition.GetConcurrencyLimiter(
            domain, d => new ConcurrencyLimiterOptions { PermitLimit = _options.For(d).Concurrency, QueueLimit = 0 }));
        _rate = PartitionedRateLimiter.Create<string, string>(domain => _options.For(domain).PermitLimit is null
            ? RateLimitPartition.GetNoLimiter(domain)
            : RateLimitPartition.Get(domain, CreateRateLimiter));
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

    public Admission TryAdmit(string domain, int recipients)
    {
        var concurrency = _concurrency.AttemptAcquire(domain);
        if (!concurrency.IsAcquired)
        {
            concurrency.Dispose();
            return new Admission.Busy();
        }

        var rate = _rate.AttemptAcquire(domain, recipients);
        if (!rate.IsAcquired)
        {
            var retryAfter = rate.TryGetMetadata(MetadataName.RetryAfter, out var after) ? after : _options.For(domain).Window;
            rate.Dispose();
            concurrency.Dispose();
            return new Admission.RateLimited(retryAfter);
        }

        return new Admission.Granted(new Admission.Leases(concurrency, rate));
    }

    public void Dispose()
    {
        _concurrency.Dispose();
        _rate.Dispose();
    }

    private SlidingLogRateLimiter CreateRateLimiter(string domain)
    {
        var limit = _options.For(domain);
        var window = limit.Window + _options.Margin;
        var limiter = new SlidingLogRateLimiter(limit.PermitLimit!.Value, window, _time);
        if (_takeoverAt != DateTimeOffset.MinValue && _time.GetUtcNow() < _takeoverAt + limit.Window)
        {
            limiter.HoldUntil(_takeoverAt + window);
        }

        return limiter;
    }
}
