namespace Sluice.Worker.Scheduling;

/// <summary>
/// When a waiting lane with <see cref="LanePacing.Even"/> may send next. While the lane's partition window is in
/// use, sends are a permit's share of the window apart (window ÷ limit per recipient), so a permit freed by the
/// sliding window is never taken more than that after it frees, and fresh transactional mail finds its turn
/// within one spacing. Permits the lane left unused while it had nothing to send (a fresh lane, a lull) may be
/// caught up at once, up to one window's worth; time spent refused (the window full) or blocked (a cool-down, a
/// suspension) earns nothing, so a lane never bursts a whole window again just because it had to wait.
/// Pure: the caller passes the time.
/// </summary>
public sealed class LanePacer
{
    private DateTimeOffset _next = DateTimeOffset.MinValue;

    /// <summary>When the next send may go; null when it may go now.</summary>
    public DateTimeOffset? WaitUntil(DateTimeOffset now) => _next > now ? _next : null;

    /// <summary>A send of <paramref name="recipients"/> permits went at <paramref name="now"/>.</summary>
    public void Sent(DateTimeOffset now, TimeSpan window, int permitLimit, int recipients)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(permitLimit, 1);
        var spacing = window / permitLimit;

        // The oldest slot still open: one window's worth of permits back from the one due now.
        var earliest = now - window + spacing;
        _next = (_next > earliest ? _next : earliest) + (spacing * recipients);
    }

    /// <summary>The lane could not send at <paramref name="now"/> (refused by the window, or blocked): no catching up for the time until then.</summary>
    public void Held(DateTimeOffset now)
    {
        if (_next < now)
        {
            _next = now;
        }
    }
}
