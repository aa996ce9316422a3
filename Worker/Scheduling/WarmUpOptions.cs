using System.ComponentModel.DataAnnotations;

namespace Sluice.Worker.Scheduling;

/// <summary>
/// The warm-up ramp (configuration section <c>Limits:WarmUp</c>): after an outage of the smarthost, a
/// ban suspension, or when a worker takes over an egress (with whatever backlog it has), every limit
/// starts at <see cref="StartFraction"/> of itself and rises linearly to the full limit over
/// <see cref="Duration"/>, so a backlog is released as a ramp, not a stampede.
/// </summary>
public sealed class WarmUpOptions
{
    public bool Enabled { get; set; } = true;

    /// <summary>The fraction of every limit allowed when the ramp starts.</summary>
    [Range(0.01, 1.0)]
    public double StartFraction { get; set; } = 0.25;

    /// <summary>How long the ramp takes to reach the full limits, at most (see <see cref="DurationWindows"/>).</summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "1.00:00:00")]
    public TimeSpan Duration { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// The ramp of each limit lasts this many of its own windows, up to <see cref="Duration"/>: a receiver that
    /// counts per 10 s is back at full rate after 10 s, not after a minute of a fraction of it. 0: every limit
    /// takes <see cref="Duration"/>.
    /// </summary>
    [Range(0.0, 1000.0)]
    public double DurationWindows { get; set; } = 1.0;

    /// <summary>A smarthost outage at least this long starts a ramp when it ends (shorter blips do not).</summary>
    [Range(typeof(TimeSpan), "00:00:00", "1.00:00:00")]
    public TimeSpan AfterOutage { get; set; } = TimeSpan.FromSeconds(30);
}
