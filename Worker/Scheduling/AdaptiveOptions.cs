using System.ComponentModel.DataAnnotations;

namespace Sluice.Worker.Scheduling;

/// <summary>
/// The adaptive rate of each domain (configuration section <c>Limits:Adaptive</c>): additive increase,
/// multiplicative decrease between a floor and the configured limit (the ceiling).
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
}
