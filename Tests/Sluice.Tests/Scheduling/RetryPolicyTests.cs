using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Sluice.Worker.Delivery;
using Sluice.Worker.Retry;

namespace Sluice.Tests.Scheduling;

public sealed class RetryPolicyTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 28, 12, 0, 0, TimeSpan.Zero));

    private RetryPolicy Policy(double jitter = 0) => new(Options.Create(new RetryOptions
    {
        MaxAttempts = 5,
        MaxAge = TimeSpan.FromHours(1),
        InitialDelay = TimeSpan.FromSeconds(10),
        MaxDelay = TimeSpan.FromSeconds(60),
        Jitter = jitter,
    }), _time);

    [Theory]
    [InlineData(1, 10)]
    [InlineData(2, 20)]
    [InlineData(3, 40)]
    [InlineData(4, 60)]
    public void Waits_double_up_to_the_maximum(int attempts, int seconds)
    {
        var now = _time.GetUtcNow();
        Assert.Equal(now + TimeSpan.FromSeconds(seconds), Policy().Next(attempts, now, null, new Random(1)).At);
    }

    [Fact]
    public void Jitter_spreads_waits_within_the_configured_fraction()
    {
        var now = _time.GetUtcNow();
        var random = new Random(7);
        var waits = Enumerable.Range(0, 200).Select(_ => (Policy(0.2).Next(1, now, null, random).At!.Value - now).TotalSeconds).ToList();
        Assert.All(waits, w => Assert.InRange(w, 8, 12));
        Assert.True(waits.Distinct().Count() > 100);
    }

    [Fact]
    public void The_budget_parks_on_attempts_on_age_and_on_not_after()
    {
        var now = _time.GetUtcNow();
        Assert.Equal(FailureReasons.RetryBudgetSpent, Policy().Next(5, now, null, Random.Shared).Reason);
        Assert.Equal(FailureReasons.RetryBudgetSpent, Policy().Next(1, now - TimeSpan.FromHours(1), null, Random.Shared).Reason);
        Assert.Equal(FailureReasons.Expired, Policy().Next(1, now, now, Random.Shared).Reason);
        Assert.NotNull(Policy().Next(4, now - TimeSpan.FromMinutes(59), now + TimeSpan.FromSeconds(1), Random.Shared).At);
    }
}
