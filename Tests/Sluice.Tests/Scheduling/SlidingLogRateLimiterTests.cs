using System.Threading.RateLimiting;
using Microsoft.Extensions.Time.Testing;
using Sluice.Worker.Scheduling;

namespace Sluice.Tests.Scheduling;

public sealed class SlidingLogRateLimiterTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 28, 12, 0, 0, TimeSpan.Zero));

    [Fact]
    public void Permits_come_back_exactly_one_window_after_they_were_taken()
    {
        using var limiter = new SlidingLogRateLimiter(10, TimeSpan.FromSeconds(1), _time);
        Assert.True(Take(limiter, 6));
        _time.Advance(TimeSpan.FromMilliseconds(400));
        Assert.True(Take(limiter, 4));

        using var refused = limiter.AttemptAcquire(1);
        Assert.False(refused.IsAcquired);
        Assert.True(refused.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter));
        Assert.Equal(TimeSpan.FromMilliseconds(600), retryAfter);

        _time.Advance(TimeSpan.FromMilliseconds(599));
        Assert.False(Take(limiter, 1));
        _time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.True(Take(limiter, 6));
        Assert.False(Take(limiter, 1));
    }

    [Fact]
    public void Retry_after_covers_as_many_old_permits_as_the_request_needs()
    {
        using var limiter = new SlidingLogRateLimiter(10, TimeSpan.FromSeconds(1), _time);
        for (int i = 0; i < 5; i++)
        {
            Assert.True(Take(limiter, 2));
            _time.Advance(TimeSpan.FromMilliseconds(100));
        }

        using var refused = limiter.AttemptAcquire(5);
        Assert.True(refused.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter));

        // Permits taken at 0, 100 and 200 ms must expire to free 5 (2 + 2 + 2); the third frees at 1200 ms.
        Assert.Equal(TimeSpan.FromMilliseconds(700), retryAfter);
    }

    [Fact]
    public void No_window_of_the_limit_length_ever_holds_more_than_the_limit()
    {
        using var limiter = new SlidingLogRateLimiter(7, TimeSpan.FromSeconds(1), _time);
        var start = _time.GetUtcNow();
        var granted = new List<DateTimeOffset>();
        var random = new Random(42);
        for (int step = 0; step < 2000; step++)
        {
            if (Take(limiter, 1))
            {
                granted.Add(_time.GetUtcNow());
            }

            _time.Advance(TimeSpan.FromMilliseconds(random.Next(1, 40)));
        }

        int most = granted.Select(t => granted.Count(u => u >= t && u < t + TimeSpan.FromSeconds(1))).Max();
        Assert.Equal(7, most);
        Assert.True(granted.Count > 7 * ((_time.GetUtcNow() - start).TotalSeconds - 1), "the limiter should use its whole budget");
    }

    [Fact]
    public void A_permit_counts_from_the_end_of_its_transaction_so_latency_cannot_squeeze_two_uses_into_one_window()
    {
        using var limiter = new SlidingLogRateLimiter(1, TimeSpan.FromSeconds(1), _time);
        var lease = limiter.AttemptAcquire(1);
        Assert.True(lease.IsAcquired);
        _time.Advance(TimeSpan.FromMilliseconds(300)); // the transaction takes 300 ms; the receiver counted somewhere in it
        lease.Dispose();

        _time.Advance(TimeSpan.FromMilliseconds(999));
        using var early = limiter.AttemptAcquire(1);
        Assert.False(early.IsAcquired);
        Assert.True(early.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter));
        Assert.Equal(TimeSpan.FromMilliseconds(1), retryAfter);
        _time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.True(Take(limiter, 1));
    }

    [Fact]
    public void A_held_limiter_refuses_everything_until_the_hold_ends()
    {
        using var limiter = new SlidingLogRateLimiter(10, TimeSpan.FromSeconds(1), _time);
        limiter.HoldUntil(_time.GetUtcNow() + TimeSpan.FromSeconds(1));
        Assert.False(Take(limiter, 1));
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.True(Take(limiter, 10));
    }

    [Fact]
    public void A_message_with_more_recipients_than_the_limit_goes_alone_in_an_empty_window()
    {
        using var limiter = new SlidingLogRateLimiter(5, TimeSpan.FromSeconds(1), _time);
        Assert.True(Take(limiter, 8));
        Assert.False(Take(limiter, 1));
    }

    /// <summary>Takes permits for a transaction that ends at once (the lease is disposed, so they start their window now).</summary>
    private static bool Take(SlidingLogRateLimiter limiter, int permits)
    {
        using var lease = limiter.AttemptAcquire(permits);
        return lease.IsAcquired;
    }
}
