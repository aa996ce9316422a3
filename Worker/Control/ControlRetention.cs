namespace Sluice.Worker.Control;

/// <summary>
/// The <c>mail.control</c> stream keeps entries for <c>Topology:ControlMaxAge</c>, but a pause lasts until it is
/// resumed: before its entry could age out, a worker writes a renewal of it. Renewals are written once a quarter of
/// the retention has passed since the last write, so a pause survives even when every worker was down for most of it.
/// </summary>
public static class ControlRetention
{
    /// <summary>How often a worker looks for pauses to renew.</summary>
    public static TimeSpan CheckInterval(TimeSpan maxAge) => maxAge / 16;

    /// <summary>Renewals of the pauses in force whose last write is older than a quarter of <paramref name="maxAge"/>.</summary>
    public static IReadOnlyList<ControlEvent> Renewals(IEnumerable<ControlEvent> paused, DateTimeOffset now, TimeSpan maxAge)
    {
        ArgumentNullException.ThrowIfNull(paused);
        return [.. paused.Where(p => p.Paused && !(p.Until <= now) && now - p.Written >= maxAge / 4).Select(p => p with { Renewed = now })];
    }
}
