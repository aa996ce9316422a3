using System.Threading.RateLimiting;

namespace Sluice.Worker.Scheduling;

/// <summary>The answer to "may this message be sent to its domain now?".</summary>
public abstract record Admission
{
    /// <summary>Send now; dispose the lease when the SMTP transaction is over (frees the concurrency slot).</summary>
    public sealed record Granted(IDisposable Lease) : Admission;

    /// <summary>The domain's window is full until <paramref name="RetryAfter"/>; <paramref name="Limiter"/> knows when each permit comes back.</summary>
    public sealed record RateLimited(TimeSpan RetryAfter, SlidingLogRateLimiter Limiter) : Admission;

    /// <summary>The domain already has as many transactions open as it allows.</summary>
    public sealed record Busy : Admission;

    internal sealed class Leases(RateLimitLease concurrency, RateLimitLease? rate) : IDisposable
    {
        public void Dispose()
        {
            rate?.Dispose();
            concurrency.Dispose();
        }
    }
}
