using Sluice.Worker.Control;

namespace Sluice.Worker.Status;

/// <summary>What <c>sluice status</c> prints: the broker's counts, each egress owner's snapshot, and the pauses.</summary>
/// <param name="At">When it was read.</param>
/// <param name="Intake">Messages in the intake queue.</param>
/// <param name="Parked">Messages in <c>mail.parked</c>.</param>
/// <param name="Failed">Messages in <c>mail.failed</c>.</param>
/// <param name="Egresses">Each egress's queues and owner.</param>
/// <param name="Paused">The pauses in force as the running owners read them; null when no worker owns an egress (nobody to ask).</param>
public sealed record StatusReport(DateTimeOffset At, long Intake, long Parked, long Failed, IReadOnlyList<EgressStatus> Egresses, IReadOnlyList<ControlEvent>? Paused);

/// <summary>One egress: its queues (from the broker) and its owner's view (null when no worker owns it).</summary>
/// <param name="Egress">The egress.</param>
/// <param name="Fresh">Messages in its fresh queue, not yet scheduled.</param>
/// <param name="Due">Messages back from the tiers, about to be scheduled.</param>
/// <param name="Delayed">Messages in its delay tiers.</param>
/// <param name="Paused">The whole egress is paused.</param>
/// <param name="Owner">The owner's snapshot.</param>
public sealed record EgressStatus(string Egress, long Fresh, long Due, long Delayed, bool Paused, EgressSnapshot? Owner)
{
    /// <summary>When no owner is writing, but one was: the time of its last snapshot (it stopped, or died).</summary>
    public DateTimeOffset? LastSeen { get; init; }

    /// <summary>The slowest domain's drain time: domains drain side by side.</summary>
    public TimeSpan? DrainEta => Owner?.Domains.Select(d => d.DrainEta).Where(e => e is not null).Max();
}
