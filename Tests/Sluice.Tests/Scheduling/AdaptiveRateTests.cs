using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Sluice.Worker.Scheduling;

namespace Sluice.Tests.Scheduling;

/// <summary>The adaptive rate per partition, driven by a fake clock.</summary>
public sealed class AdaptiveRateTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 28, 12, 0, 0, TimeSpan.Zero));

    private EgressLimiters Limiters(bool adaptive = true) => new(Options.Create(new LimitOptions
    {
        Default = new DomainLimit { PermitLimit = 100, Window = TimeSpan.FromMinutes(1), Concurrency = 1000 },
        Margin = TimeSpan.Zero,
        HoldWindowsOnTakeover = false,
        WarmUp = new WarmUpOptions { Enabled = false },
        Adaptive = new AdaptiveOptions { Enabled = adaptive, Decrease = 0.5, Increase = 0.1, Floor = 0.05, ProbeAfterWindows = 2 },
    }), _time);

    [Fact]
    public async Task A_burst_of_throttle_replies_cuts_once_and_the_cut_rate_is_enforced()
    {
        using var limiters = Limiters();
        await AdmitAsync(limiters, 10);
        limiters.Throttled("x.example");
        limiters.Throttled("x.example"); // the same burst
        limiters.Throttled("x.example");
        Assert.Equal(50, limiters.CurrentLimit("x.example"));

        _time.Advance(TimeSpan.FromMinutes(1)); // the first permits have come back
        Assert.Equal(50, await AdmitAsync(limiters, 80));
    }

    [Fact]
    public async Task The_cut_keeps_what_the_receiver_accepted_in_the_window()
    {
        using var limiters = Limiters();
        await AdmitAsync(limiters, 90);   // 89 accepted, the 90th throttled
        limiters.Throttled("x.example");
        Assert.Equal(89, limiters.CurrentLimit("x.example"));

        _time.Advance(TimeSpan.FromMinutes(1));
        await AdmitAsync(limiters, 2);    // a later window, throttled again: now it halves
        limiters.Throttled("x.example");
        Assert.Equal(44, limiters.CurrentLimit("x.example"));
    }

    [Fact]
    public async Task After_quiet_windows_it_probes_back_up_to_the_ceiling_never_beyond()
    {
        using var limiters = Limiters();
        await AdmitAsync(limiters, 1);
        limiters.Throttled("x.example");
        Assert.Equal(50, limiters.CurrentLimit("x.example"));

        var seen = new List<int?>();
        for (int window = 0; window < 7; window++)
        {
            limiters.Delivered("x.example");                 // within the window: no step
            _time.Advance(TimeSpan.FromMinutes(1));
            limiters.Delivered("x.example");                 // a window later: a step, once 2 windows are quiet
            seen.Add(limiters.CurrentLimit("x.example"));
        }

        Assert.Equal([50, 60, 70, 80, 90, 100, 100], seen);
    }

    [Fact]
    public async Task Turned_off_the_limit_stays_where_it_is_configured()
    {
        using var limiters = Limiters(adaptive: false);
        await AdmitAsync(limiters, 1);
        limiters.Throttled("x.example");
        Assert.Equal(100, limiters.CurrentLimit("x.example"));
    }

    private static Task<int> AdmitAsync(EgressLimiters limiters, int messages) => LimitChainTests.AdmitAsync(limiters, "x.example", "t", messages);
}
