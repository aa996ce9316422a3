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
