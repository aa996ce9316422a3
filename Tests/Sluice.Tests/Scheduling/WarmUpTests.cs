using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Sluice.Worker.Scheduling;

namespace Sluice.Tests.Scheduling;

/// <summary>The warm-up ramp, driven by a fake clock.</summary>
public sealed class WarmUpTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 28, 12, 0, 0, TimeSpan.Zero));

    [Fact]
    public async Task After_a_takeover_the_limit_ramps_from_the_start_fraction_to_the_full_limit()
    {
        using var limiters = Limiters(hold: false);
        limiters.HoldWindowsFromNow();

        Assert.Equal(25, await LimitChainTests.AdmitAsync(limiters, "x.example", "t", 200)); // 25 % of 100
        _time.Advance(TimeSpan.FromSeconds(30));                                            // half way: 62.5 %
        Assert.Equal(62 - 25, await LimitChainTests.AdmitAsync(limiters, "x.example", "t", 200));
        _time.Advance(TimeSpan.FromSeconds(30));                                            // ramp done; the first 25 came back too
        Assert.Equal(25 + (100 - 62), await LimitChainTests.AdmitAsync(limiters, "x.example", "t", 200));
    }

    [Fact]
    public void With_a_takeover_hold_the_ramp_starts_when_the_hold_ends()
    {
        using var limiters = Limiters(hold: true);
        limiters.HoldWindowsFromNow();
        var ramp = limiters.WarmUp;

        Assert.Equal(0.25, ramp.Factor(_time.GetUtcNow() + TimeSpan.FromMinutes(1)));
        _time.Advance(TimeSpan.FromMinutes(1.5));
        Assert.Equal(0.625, ramp.Factor(_time.GetUtcNow() - TimeSpan.FromSeconds(30)), 3);
        Assert.Equal(1.0, ramp.Factor());
    }

    [Fact]
    public void A_short_smarthost_blip_starts_no_ramp_a_long_outage_does_from_when_it_reopens()
    {
        using var limiters = Limiters(hold: false);
        var ramp = limiters.WarmUp;
        var reopens = _time.GetUtcNow() + TimeSpan.FromSeconds(10);

        ramp.AfterOutage(TimeSpan.FromSeconds(5), reopens);
        Assert.Equal(1.0, ramp.Factor());

        ramp.AfterOutage(TimeSpan.FromMinutes(2), reopens);
        Assert.Equal(0.25, ramp.Factor());            // flat until the smarthost is tried again
        _time.Advance(TimeSpan.FromSeconds(10 + 60));
        Assert.Equal(1.0, ramp.Factor());
    }

    [Fact]
    public async Task When_a_receivers_ban_ends_its_partition_ramps_while_the_others_keep_their_full_limits()
    {
        using var limiters = Limiters(hold: false);
        var bannedUntil = _time.GetUtcNow() + TimeSpan.FromHours(1);
        limiters.RampAfterBan("provider:microsoft", bannedUntil);
        _time.Advance(TimeSpan.FromHours(1));

        Assert.Equal(25, await LimitChainTests.AdmitAsync(limiters, "provider:microsoft", "t", 200)); // 25 % of 100
        Assert.Equal(100, await LimitChainTests.AdmitAsync(limiters, "other.example", "t", 200));
        _time.Advance(TimeSpan.FromSeconds(30));
        Assert.Equal(62 - 25, await LimitChainTests.AdmitAsync(limiters, "provider:microsoft", "t", 200));
        Assert.Equal(0.625, limiters.WarmUp.Factor(own: limiters.OwnRamp("provider:microsoft")), 3);
        Assert.Equal(1.0, limiters.WarmUp.Factor());
    }

    [Fact]
    public async Task Turned_off_the_limits_apply_in_full_at_once()
    {
        using var limiters = Limiters(hold: false, enabled: false);
        limiters.HoldWindowsFromNow();
        limiters.WarmUp.AfterOutage(TimeSpan.FromHours(1), _time.GetUtcNow());
        Assert.Equal(100, await LimitChainTests.AdmitAsync(limiters, "x.example", "t", 200));
    }

    [Fact]
    public void Each_limit_ramps_over_its_own_window_up_to_the_configured_duration()
    {
        var ramp = new WarmUpRamp(Options.Create(new LimitOptions
        {
            WarmUp = new WarmUpOptions { StartFraction = 0.25, Duration = TimeSpan.FromMinutes(1), DurationWindows = 1 },
        }), _time);
        ramp.Begin(_time.GetUtcNow());
        _time.Advance(TimeSpan.FromSeconds(5));

        Assert.Equal(0.625, ramp.Factor(window: TimeSpan.FromSeconds(10)), 3);    // half of a 10 s ramp
        Assert.Equal(0.3125, ramp.Factor(window: TimeSpan.FromMinutes(1)), 4);   // a twelfth of the minute's
        Assert.Equal(0.3125, ramp.Factor(window: TimeSpan.FromDays(1)), 4);      // a day's window ramps over the minute, not the day
        _time.Advance(TimeSpan.FromSeconds(5));
        Assert.Equal(1.0, ramp.Factor(window: TimeSpan.FromSeconds(10)));
        Assert.Equal(_time.GetUtcNow(), ramp.TimeFor(1.0, window: TimeSpan.FromSeconds(10)) + TimeSpan.Zero);
    }

    [Fact]
    public void The_time_to_send_a_backlog_counts_the_ramp_and_the_wait_before_sending_may_start()
    {
        var ramp = new WarmUpRamp(Options.Create(new LimitOptions
        {
            WarmUp = new WarmUpOptions { StartFraction = 0.25, Duration = TimeSpan.FromMinutes(1), DurationWindows = 1 },
        }), _time);
        var now = _time.GetUtcNow();

        // No ramp: 60 at 1 a second is a minute.
        Assert.Equal(60, ramp.TimeToSend(60, 1, now, TimeSpan.FromMinutes(1)).TotalSeconds, 3);

        // A one-minute ramp from 25 %: its minute sends (0.25 + 1) ÷ 2 × 60 = 37.5; the other 22.5 take 22.5 s more.
        ramp.Begin(now);
        Assert.Equal(82.5, ramp.TimeToSend(60, 1, now, TimeSpan.FromMinutes(1)).TotalSeconds, 1);

        // Starting 30 s into the ramp (a cool-down until then): its last 30 s send (0.625 + 1) ÷ 2 × 30 = 24.375,
        // the other 35.625 take as many seconds at the full rate.
        Assert.Equal(30 + 35.625, ramp.TimeToSend(60, 1, now + TimeSpan.FromSeconds(30), TimeSpan.FromMinutes(1)).TotalSeconds, 1);
    }

    private EgressLimiters Limiters(bool hold, bool enabled = true) => new(Options.Create(new LimitOptions
    {
        Default = new DomainLimit { PermitLimit = 100, Window = TimeSpan.FromMinutes(1), Concurrency = 1000 },
        Margin = TimeSpan.Zero,
        HoldWindowsOnTakeover = hold,
        WarmUp = new WarmUpOptions { Enabled = enabled, StartFraction = 0.25, Duration = TimeSpan.FromMinutes(1), AfterOutage = TimeSpan.FromSeconds(30) },
    }), _time);
}
