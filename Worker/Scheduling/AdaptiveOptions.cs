using System.ComponentModel.DataAnnotations;

namespace Sluice.Worker.Scheduling;

/// <summary>
/// The adaptive rate of each partition (configuration section <c>Limits:Adaptive</c>): additive increase,
/// multiplicative decrease between a floor and the configured limit (the ceiling). A throttle cuts at
/// most once per window (the replies of one burst are one signal), and never below what the receiver
/// accepted in the window it throttled in: that many it demonstrably takes.
/// </summary>
public sealed class AdaptiveOptions
{
    /// <summary>Off: every domain always runs at its configured limit.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>On a throttle reply the domain's limit is multiplied by this.</summary>
    [Range(0.05, 0.95)]
    public double Decrease { get; set; } = 0.5;

    /// <summary>After each window with deliveries and no throttle, the limit grows by this fraction of the ceiling.</summary>
    [Range(0.01, 1.0)]
    public double Increase { get; set; } = 0.1;

    /// <summary>The limit never goes below this fraction of the ceiling (at least 1).</summary>
    [Range(0.01, 1.0)]
    public double Floor { get; set; } = 0.05;

    /// <summary>
    /// After a throttle, the limit climbs back only to the level the receiver accepted, and probes beyond
    /// it (towards the ceiling) only after this many windows without a throttle: every probe costs
    /// throttle replies and a cool-down, and receivers count repeated throttling towards a ban.
    /// </summary>
    [Range(0, 10_000)]
    public int ProbeAfterWindows { get; set; } = 10;
}
