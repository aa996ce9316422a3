using System.ComponentModel.DataAnnotations;

namespace Sluice.Worker.Scheduling;

/// <summary>
/// Waiting lanes (configuration section <c>Scheduler:Lanes</c>): mail that cannot be sent at once waits
/// in a queue of its own partition, read at the rate the partition's limits allow, instead of going round
/// the delay tiers. See <see cref="WaitingLanes"/>.
/// </summary>
public sealed class LaneOptions
{
    /// <summary>Off: over-budget mail waits in the delay tiers on the partition's slot plan instead.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>
    /// Messages of one lane the owner holds unacknowledged, ready for the next permit. Enough to keep
    /// sending between two broker round trips; each lane's backlog beyond it stays on the broker.
    /// </summary>
    [Range(1, 1000)]
    public ushort Hold { get; set; } = 16;

    /// <summary>
    /// Lanes one egress may have open at once. A partition that finds them all taken waits in the delay
    /// tiers instead (the long tail of small domains during a ramp).
    /// </summary>
    [Range(0, 10_000)]
    public int Max { get; set; } = 200;

    /// <summary>
    /// While transactional and bulk mail of a partition both wait, the share of its permits bulk still
    /// gets, so a steady stream of transactional mail cannot starve it.
    /// </summary>
    [Range(0.0, 1.0)]
    public double BulkShare { get; set; } = 0.1;

    /// <summary>Fresh transactional messages of a partition held beside its lane to go out ahead of it (the rest queue in the lane).</summary>
    [Range(0, 1000)]
    public int PriorityHold { get; set; } = 8;

    /// <summary>
    /// How a lane spends its partition's permits: <see cref="LanePacing.Even"/> (the default) spaces sends a permit's
    /// share of the window apart once the window is in use, so fresh transactional mail never waits more than that for
    /// its turn, and catches up at once on permits left unused (a fresh lane, a lull; see <see cref="LanePacer"/>);
    /// <see cref="LanePacing.Burst"/> takes every permit as soon as the sliding window frees it, so a backlog goes out a
    /// window's worth at a time and fresh transactional mail may wait up to a window for the next free permit.
    /// </summary>
    public LanePacing Pacing { get; set; } = LanePacing.Even;

    /// <summary>How long a lane stays open with nothing in it before it is removed.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "1.00:00:00")]
    public TimeSpan CloseAfter { get; set; } = TimeSpan.FromSeconds(10);
}

/// <summary>How a waiting lane spends its partition's permits (see <see cref="LaneOptions.Pacing"/>).</summary>
public enum LanePacing
{
    /// <summary>One permit's share of the window apart (window ÷ limit per recipient), catching up on permits left unused.</summary>
    Even,

    /// <summary>Each permit as soon as the sliding window frees it.</summary>
    Burst,
}
