using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Sluice.Worker.Scheduling;

namespace Sluice.Tests.Scheduling;

public sealed class AdaptiveRateTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 28, 12, 0, 0, TimeSpan.Zero));

    private EgressLimiters Limiters(bool adaptive = true) => new(Options.Create(new LimitOptions
    {
        Default = new DomainLimit { PermitLimit = 100, Window = TimeSpan.FromMinutes(1), Concurrency = 1000 },
        Margin = TimeSpan.Zero,
        HoldWindowsOnTakeover = false,
        Adaptive = new AdaptiveOptions { Enabled = adaptive, Decrease = 0.5, Increase = 0.1, Floor = 0.05 },
    }), _time);

    [Fact]
    public async Task A_throttle_halves_the_rate_and_the_lower_rate_is_enforced()
    {
        using var limiters = Limiters();
        await AdmitAsync(limiters, 1);
        limiters.Throttled("x.example");
        limiters.Throttled("x.example");
        Assert.Equal(25, limiters.CurrentLimit("x.example"));

        _time.Advance(TimeSpan.FromMinutes(1)); // the first permit has come back
        Assert.Equal(25, await AdmitAsync(limiters, 40));
    }

    [Fact]
    public async Task Each_window_with_deliveries_and_no_throttle_steps_back_up_to_the_ceiling_never_beyond()
    {
        using var limiters = Limiters();
        await AdmitAsync(limiters, 1);
        for (int i = 0; i < 6; i++)
        {
            limiters.Throttled("x.example");
        }

        Assert.Equal(5, limiters.CurrentLimit("x.example")); // the floor: 5 % of 100
        var seen = new List<int?>();
        for (int window = 0; window < 12; window++)
        {
            limiters.Delivered("x.example");                 // within the window: no step yet
            _time.Advance(TimeSpan.FromMinutes(1));
            limiters.Delivered("x.example");                 // a window later: one step of 10
            seen.Add(limiters.CurrentLimit("x.example"));
        }

        Assert.Equal([15, 25, 35, 45, 55, 65, 75, 85, 95, 100, 100, 100], seen);
    }

    [Fact]
    public async Task Turned_off_the_limit_stays_where_it_is_configured()
    {
        using var limiters = Limiters(adaptive: false);
        await AdmitAsync(limiters, 1);
        limiters.Throttled("x.example");
        Assert.Equal(100, limiters.CurrentLimit("x.example"));
    }

    private static async Task<int> AdmitAsync(EgressLimiters limiters, int messages)
    {
        int granted = 0;
        for (int i = 0; i < messages; i++)
        {
            if (await limiters.AdmitAsync("x.example", "t", 1, CancellationToken.None) is Admission.Granted g)
            {
                g.Lease.Dispose();
                granted++;
            }
        }

        return granted;
    }
}
