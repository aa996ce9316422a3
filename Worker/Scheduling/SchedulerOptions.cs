using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace Sluice.Worker.Scheduling;

/// <summary>The egress schedulers (configuration section <c>Scheduler</c>).</summary>
public sealed class SchedulerOptions
{
    public const string SectionName = "Scheduler";

    /// <summary>Unacknowledged messages per egress queue (fresh and due each) held by the owner.</summary>
    [Range(1, 10_000)]
    public ushort Prefetch { get; set; } = 64;

    /// <summary>How often a standby asks whether the egress's owner is gone.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:10:00")]
    public TimeSpan LeaseRetryInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// Spread the egresses over the running workers: each owns at most its share (egresses ÷ workers, rounded up), so
    /// every replica adds sending capacity. Off: the first worker owns every egress it can take, the others stand by.
    /// </summary>
    public bool SpreadOwnership { get; set; } = true;

    /// <summary>
    /// How long a worker may own more than its share before it hands one egress over (a worker that restarts
    /// must not make the others shuffle every egress).
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "01:00:00")]
    public TimeSpan HandOverAfter { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// How long mail to a paused domain or provider waits in the delay tiers before it looks again.
    /// (A paused egress stops consuming instead, so its mail does not move at all.)
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "1.00:00:00")]
    public TimeSpan PausedRecheck { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>How often the owner publishes its status snapshot for <c>sluice status</c>.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:10:00")]
    public TimeSpan StatusInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Per-partition waiting lanes for mail over its budget.</summary>
    [ValidateObjectMembers]
    public LaneOptions Lanes { get; set; } = new();
}
