using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Sluice.Worker.Scheduling;
using Sluice.Worker.Topology;

namespace Sluice.Tests.Scheduling;

public sealed class SlotPlannerTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 28, 12, 0, 0, TimeSpan.Zero));

    private static IOptions<LimitOptions> Limits(int permits, TimeSpan window) => Options.Create(new LimitOptions
    {
        Default = new DomainLimit { PermitLimit = permits, Window = window },
        Margin = TimeSpan.Zero,
    });

    [Fact]
    public void Deferred_messages_get_slots_spaced_at_the_domains_rate_from_when_permits_return()
    {
        var planner = new SlotPlanner(Limits(10, TimeSpan.FromSeconds(10)), _time);
        var now = _time.GetUtcNow();

        Assert.Equal(now + TimeSpan.FromSeconds(3), planner.Reserve("x.example", 1, TimeSpan.FromSeconds(3)));
        Assert.Equal(now + TimeSpan.FromSeconds(4), planner.Reserve("x.example", 2, TimeSpan.FromSeconds(3)));
        Assert.Equal(now + TimeSpan.FromSeconds(6), planner.Reserve("x.example", 1, TimeSpan.FromSeconds(3)));
        Assert.Equal(now + TimeSpan.FromSeconds(3), planner.Reserve("y.example", 1, TimeSpan.FromSeconds(3)));
    }

    [Fact]
    public void Once_the_reserved_slots_are_in_the_past_a_new_deferral_starts_from_the_limiter_again()
    {
        var planner = new SlotPlanner(Limits(10, TimeSpan.FromSeconds(10)), _time);
        planner.Reserve("x.example", 5, TimeSpan.Zero);
        _time.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(_time.GetUtcNow() + TimeSpan.FromSeconds(2), planner.Reserve("x.example", 1, TimeSpan.FromSeconds(2)));
    }

    [Fact]
    public void A_cool_down_pushes_slots_past_it_and_ends_on_time()
    {
        var planner = new SlotPlanner(Limits(10, TimeSpan.FromSeconds(10)), _time);
        var until = _time.GetUtcNow() + TimeSpan.FromMinutes(1);
        planner.CoolDown("x.example", until);

        Assert.Equal(until, planner.CoolingUntil("x.example"));
        Assert.Equal(until, planner.Reserve("x.example", 1, TimeSpan.Zero));
        Assert.Null(planner.CoolingUntil("y.example"));
        _time.Advance(TimeSpan.FromMinutes(1));
        Assert.Null(planner.CoolingUntil("x.example"));
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
}
