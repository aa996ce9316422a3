using Sluice.Worker.Status;

namespace Sluice.Worker.Scheduling;

/// <summary>
/// What an owner keeps about its egress while it owns it, and loses with the session: the limiters, the slot plan,
/// the connection gate, the ban breaker, the per-partition backlog counts and recent activity. The dispatcher changes
/// it as it settles sends; the status reporter reads it.
/// </summary>
public sealed record EgressState(
    EgressLimiters Limiters, SlotPlanner Planner, EgressGate Gate, EgressBreaker Breaker, DomainBacklog Backlog, PartitionActivity Activity);
