namespace Sluice.Worker.Dispatch;

/// <summary>Everything <see cref="MessageDecision"/> needs to know about one message and its egress at one moment.</summary>
/// <param name="Now">The moment.</param>
/// <param name="NotAfter">The producer's deadline, if any.</param>
/// <param name="NotBefore">The earliest send the message carries (a retry's back-off, or its planned slot).</param>
/// <param name="Slotted">Its <paramref name="NotBefore"/> is a slot its partition's plan reserved (not a back-off).</param>
/// <param name="Recipients">Recipients in this copy.</param>
/// <param name="InLane">It was delivered from its partition's waiting lane.</param>
/// <param name="EgressPaused">An operator paused the whole egress.</param>
/// <param name="EgressSuspendedUntil">A ban suspends the whole egress until then.</param>
/// <param name="PartitionPaused">An operator paused its domain or provider.</param>
/// <param name="LargestTransaction">The most recipients its limits allow in one transaction now (null: no bound).</param>
/// <param name="CoolingUntil">Its partition cools down (a throttle, or the receiver's ban) until then.</param>
/// <param name="PartitionHasLane">Its partition has a waiting lane open (mail already waits there).</param>
/// <param name="LaneRefused">A lane was asked to take it and could not (all lanes in use): the tiers are left.</param>
/// <param name="ShortestTier">The shortest delay tier: shorter waits are waited out in hand.</param>
/// <param name="PausedRecheck">How often mail held by a pause or a suspension looks again.</param>
/// <param name="Fallback">The egress that sends this egress's mail while a ban suspends it (null: none, the mail waits).</param>
/// <param name="SenderHeld">Why the sender's domain holds its mail (it fails its preflight under <c>Preflight:Policy=Hold</c>); null: it does not.</param>
/// <param name="PartitionSuspendedUntil">A receiver's ban of this sender suspends the message's partition until then.</param>
/// <param name="Rerouted">The message came here from another egress's suspension already (it is not sent on again).</param>
public sealed record MessageFacts(
    DateTimeOffset Now,
    DateTimeOffset? NotAfter,
    DateTimeOffset? NotBefore,
    bool Slotted,
    int Recipients,
    bool InLane,
    bool EgressPaused,
    DateTimeOffset? EgressSuspendedUntil,
    bool PartitionPaused,
    int? LargestTransaction,
    DateTimeOffset? CoolingUntil,
    bool PartitionHasLane,
    bool LaneRefused,
    TimeSpan ShortestTier,
    TimeSpan PausedRecheck,
    string? Fallback = null,
    bool Rerouted = false,
    DateTimeOffset? PartitionSuspendedUntil = null,
    string? SenderHeld = null);
