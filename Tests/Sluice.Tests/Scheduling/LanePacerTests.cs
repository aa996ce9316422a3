using Sluice.Worker.Scheduling;

namespace Sluice.Tests.Scheduling;

public sealed class LanePacerTests
{
    private static readonly DateTimeOffset Start = new(2026, 12, 3, 12, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Window = TimeSpan.FromSeconds(10);
    private const int Limit = 100; // a permit every 0.1 s

    [Fact]
    public void A_fresh_lane_catches_up_on_one_window_of_unused_permits_and_then_waits_a_spacing_per_send()
    {
        var pacer = new LanePacer();
        int atOnce = 0;
        while (pacer.WaitUntil(Start) is null && atOnce < 1000)
        {
            pacer.Sent(Start, Window, Limit, recipients: 1);
            atOnce++;
        }

        Assert.Equal(Limit, atOnce);
        Assert.Equal(Start + TimeSpan.FromSeconds(0.1), pacer.WaitUntil(Start));
    }

    [Fact]
    public void Time_refused_by_the_window_earns_no_burst_afterwards()
    {
        var pacer = new LanePacer();
        pacer.Held(Start);
        pacer.Held(Start + Window); // the window was full for all of it

        var freed = Start + Window;
        Assert.Null(pacer.WaitUntil(freed));
        pacer.Sent(freed, Window, Limit, recipients: 1);

        Assert.Equal(freed + TimeSpan.FromSeconds(0.1), pacer.WaitUntil(freed));
    }

    [Fact]
    public void A_cool_down_earns_nothing_either_and_one_lifted_early_holds_nothing_back()
    {
        var pacer = new LanePacer();
        pacer.Sent(Start, Window, Limit, recipients: 1);

        // Cooling down for a minute, looked at every second; lifted by hand after 30 s.
        var at = Start;
        for (int second = 1; second <= 30; second++)
        {
            at = Start + TimeSpan.FromSeconds(second);
            pacer.Held(at);
        }

        Assert.Null(pacer.WaitUntil(at));
        pacer.Sent(at, Window, Limit, recipients: 1);
        Assert.Equal(at + TimeSpan.FromSeconds(0.1), pacer.WaitUntil(at));
    }

    [Fact]
    public void A_transaction_of_several_recipients_waits_their_share_of_the_window()
    {
        var pacer = new LanePacer();
        pacer.Held(Start);
        pacer.Sent(Start, Window, Limit, recipients: 5);

        Assert.Equal(Start + TimeSpan.FromSeconds(0.5), pacer.WaitUntil(Start));
    }

    [Fact]
    public void A_lull_is_caught_up_at_once_but_never_more_than_a_window()
    {
        var pacer = new LanePacer();
        pacer.Held(Start);
        var later = Start + TimeSpan.FromHours(1);

        int atOnce = 0;
        while (pacer.WaitUntil(later) is null && atOnce < 1000)
        {
            pacer.Sent(later, Window, Limit, recipients: 1);
            atOnce++;
        }

        Assert.Equal(Limit, atOnce);
    }
}
