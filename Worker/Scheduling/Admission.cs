using System.Threading.RateLimiting;

namespace Sluice.Worker.Scheduling;

/// <summary>The answer to "may this message be sent now?".</summary>
public abstract record Admission
{
    /// <summary>Send now; dispose the lease when the SMTP transaction is over (frees the concurrency slot, starts the permits' windows).</summary>
    public sealed record Granted(IDisposable Lease) : Admission;

    /// <summary>
    /// A level of the chain is full until <paramref name="RetryAfter"/> (the level that frees last):
    /// <paramref name="Limiter"/> (level <paramref name="Level"/>) knows when each permit comes back.
    /// </summary>
    public sealed record RateLimited(TimeSpan RetryAfter, SlidingLogRateLimiter Limiter, string Level) : Admission;

    /// <summary>The partition already has as many transactions open as it allows.</summary>
    public sealed record Busy : Admission;

    /// <summary>Every permit of the chain; disposing of it twice releases them once.</summary>
    internal sealed class Leases(RateLimitLease concurrency, IReadOnlyList<RateLimitLease> windows) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 1)
            {
                return;
            }

            foreach (var window in windows)
            {
                window.Dispose();
            }

            concurrency.Dispose();
        }
    }
}
