using System.ComponentModel.DataAnnotations;

namespace Sluice.Worker.Scheduling;

/// <summary>The egress schedulers (configuration section <c>Scheduler</c>).</summary>
public sealed class SchedulerOptions
{
    public const string SectionName = "Scheduler";

    /// <summary>Unacknowledged messages per egress queue (fresh and due each) held by the owner.</summary>
    [Range(1, 10_000)]
    public ushort Prefetch { get; set; } = 64;

    /// <summary>How often a standby asks whether the egress's owner is gone.</summary>
    public TimeSpan LeaseRetryInterval { get; set; } = TimeSpan.FromSeconds(2);
}
