using Microsoft.Extensions.Time.Testing;
using Sluice.Worker.Control;

namespace Sluice.Tests.Operations;

/// <summary>
/// The control stream ages its entries out, so pauses in force are written again in time; a renewal never brings
/// back a pause that was resumed or replaced meanwhile.
/// </summary>
public sealed class ControlRetentionTests
{
    private static readonly TimeSpan MaxAge = TimeSpan.FromDays(30);
    private static readonly DateTimeOffset Start = new(2026, 11, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Pauses_in_force_are_renewed_once_a_quarter_of_the_retention_has_passed_since_their_last_write()
    {
        var now = Start + TimeSpan.FromDays(8);
        ControlEvent[] paused =
        [
            new("domain:old.example", true, Start, "ops@host", "complaints"),                         // written 8 days ago: renew
            new("domain:fresh.example", true, now - TimeSpan.FromDays(1), "ops@host"),               // 1 day ago: not yet
            new("domain:renewed.example", true, Start, "ops@host", Renewed: now - TimeSpan.FromDays(2)), // renewed 2 days ago: not yet
            new("domain:lapsed.example", true, Start, "ops@host", Until: now - TimeSpan.FromHours(1)),  // over by itself
            new("domain:long.example", true, Start, "ops@host", Until: now + TimeSpan.FromDays(60)),    // ends after the retention: renew
        ];

        var renewals = ControlRetention.Renewals(paused, now, MaxAge);

        Assert.Equal(["domain:old.example", "domain:long.example"], renewals.Select(r => r.Target));
        Assert.All(renewals, r => Assert.Equal(now, r.Renewed));
        var old = renewals[0];
        Assert.Equal((Start, "ops@host", "complaints"), (old.At, old.By, old.Reason)); // status still says who paused it, when and why
    }

    [Fact]
    public void A_renewal_refreshes_the_pause_it_copies_and_nothing_else()
    {
        var time = new FakeTimeProvider(Start);
        var state = new PauseState(time);
        var pause = new ControlEvent("domain:a.example", true, Start, "ops@host", "complaints");
        state.Apply(pause);
        time.Advance(TimeSpan.FromDays(8));

        state.Apply(pause with { Renewed = time.GetUtcNow() });
        var kept = Assert.Single(state.Paused);
        Assert.Equal((Start, time.GetUtcNow()), (kept.At, kept.Written));
        Assert.Empty(ControlRetention.Renewals(state.Paused, time.GetUtcNow(), MaxAge));

        // Resumed, then an older worker's renewal of the same pause arrives: it stays resumed.
        state.Apply(new ControlEvent("domain:a.example", false, time.GetUtcNow(), "ops@host"));
        state.Apply(pause with { Renewed = time.GetUtcNow() });
        Assert.Empty(state.Paused);

        // Paused again (a new pause): a renewal of the first one does not replace it.
        var second = new ControlEvent("domain:a.example", true, time.GetUtcNow(), "other@host", "new reason");
        state.Apply(second);
        state.Apply(pause with { Renewed = time.GetUtcNow() + TimeSpan.FromMinutes(1) });
        Assert.Equal("new reason", Assert.Single(state.Paused).Reason);
    }

    [Fact]
    public void A_renewal_survives_the_stream_as_json()
    {
        var renewal = new ControlEvent("tenant:acme", true, Start, "ops@host", "why", Renewed: Start + TimeSpan.FromDays(8));
        Assert.Equal(renewal, ControlEvent.FromJson(renewal.ToJson()));
    }
}
