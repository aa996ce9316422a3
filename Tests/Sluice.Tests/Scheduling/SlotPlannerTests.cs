using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Sluice.Worker.Scheduling;
using Sluice.Worker.Topology;

namespace Sluice.Tests.Scheduling;

public sealed class SlotPlannerTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 28, 12, 0, 0, TimeSpan.Zero));

    [Fact]
    public void Deferred_messages_get_the_slots_when_permits_come_back_round_after_round()
    {
        var window = TimeSpan.FromSeconds(10);
        var planner = new SlotPlanner(_time);
        using var limiter = new SlidingLogRateLimiter(4, window, _time);
        var start = _time.GetUtcNow();
        Assert.True(Take(limiter, 3));   // a burst at 0 s
        _time.Advance(TimeSpan.FromSeconds(2));
        Assert.True(Take(limiter, 1));   // one more at 2 s

        var slots = Enumerable.Range(0, 9).Select(_ => planner.Reserve("x.example", 1, limiter) - start).ToList();

        // Three permits return at 10 s and one at 12 s; each round repeats a window later.
        Assert.Equal([10, 10, 10, 12, 20, 20, 20, 22, 30], slots.Select(s => s.TotalSeconds));
        Assert.Equal(start + TimeSpan.FromSeconds(30), planner.Reserve("x.example", 2, limiter)); // the 10th and 11th permits
    }

    [Fact]
    public void Once_the_planned_slots_are_past_a_new_plan_starts_from_the_limiter_again()
    {
        var window = TimeSpan.FromSeconds(10);
        var planner = new SlotPlanner(_time);
        using var limiter = new SlidingLogRateLimiter(1, window, _time);
        Assert.True(Take(limiter, 1));
        planner.Reserve("x.example", 1, limiter);
        _time.Advance(TimeSpan.FromMinutes(1));
        Assert.True(Take(limiter, 1));
        Assert.Equal(_time.GetUtcNow() + window, planner.Reserve("x.example", 1, limiter));
    }

    [Fact]
    public void A_cool_down_pushes_slots_past_it_and_ends_on_time()
    {
        var planner = new SlotPlanner(_time);
        using var limiter = new SlidingLogRateLimiter(10, TimeSpan.FromSeconds(10), _time);
        var until = _time.GetUtcNow() + TimeSpan.FromMinutes(1);
        planner.CoolDown("x.example", until);

        Assert.Equal(until, planner.CoolingUntil("x.example"));
        Assert.Equal(until, planner.Reserve("x.example", 1, limiter));
        Assert.Null(planner.CoolingUntil("y.example"));
        _time.Advance(TimeSpan.FromMinutes(1));
        Assert.Null(planner.CoolingUntil("x.example"));
    }

    [Fact]
    public void On_a_warm_up_ramp_slots_follow_the_ramp_as_it_opens_not_a_window_later()
    {
        var window = TimeSpan.FromMinutes(1);
        var ramp = new WarmUpRamp(Options.Create(new LimitOptions
        {
            WarmUp = new WarmUpOptions { StartFraction = 0.25, Duration = TimeSpan.FromMinutes(1) },
        }), _time);
        ramp.Begin(_time.GetUtcNow());
        var planner = new SlotPlanner(_time, ramp);
        using var limiter = new SlidingLogRateLimiter(100, window, _time);
        var start = _time.GetUtcNow();

        var slots = Enumerable.Range(0, 101).Select(_ => (planner.Reserve("x.example", 1, limiter) - start).TotalSeconds).ToList();

        Assert.All(slots.Take(25), s => Assert.Equal(0, s));   // 25 % at once
        Assert.Equal(0.8, slots[25], 3);                        // the 26th when the ramp reaches 26 %
        Assert.Equal(29.6, slots[61], 3);                       // the 62nd at 62 %, just before half way
        Assert.Equal(60, slots[99], 3);                         // the full limit when the ramp ends
        Assert.Equal(60, slots[100], 3);                        // then round two: the first permits come back
        Assert.Equal(25, ramp.Apply(100));
    }

    [Theory]
    [InlineData(0, 250)]
    [InlineData(900, 250)]
    [InlineData(1000, 1000)]
    [InlineData(4999, 1000)]
    [InlineData(7300, 5000)]
    [InlineData(86_400_000, 5000)]
    public void The_delay_tier_is_the_longest_that_does_not_overshoot_the_wait(int waitMs, int tierMs)
    {
        var tiers = new DelayTiers(Options.Create(new TopologyOptions
        {
            DelayTiers = [TimeSpan.FromSeconds(5), TimeSpan.FromMilliseconds(250), TimeSpan.FromSeconds(1)],
        }));
        Assert.Equal(TimeSpan.FromMilliseconds(tierMs), tiers.For(TimeSpan.FromMilliseconds(waitMs)));
    }

    /// <summary>Takes permits for a transaction that ends at once (the lease is disposed, so they start their window now).</summary>
    private static bool Take(SlidingLogRateLimiter limiter, int permits)
    {
        using var lease = limiter.AttemptAcquire(permits);
        return lease.IsAcquired;
    }
}
