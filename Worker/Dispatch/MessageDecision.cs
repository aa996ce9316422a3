using Sluice.Worker.Delivery;
using Sluice.Worker.Scheduling;

namespace Sluice.Worker.Dispatch;

/// <summary>
/// The dispatcher's rules as one pure function each: what to do with a message before its permits are asked for,
/// and after the limiters refused them. No broker, no clock, no SMTP: the facts come in, a <see cref="Decision"/> goes out.
/// </summary>
public static class MessageDecision
{
    /// <summary>Before the limiters: park, split, wait (in its lane or the tiers), or ask for permits.</summary>
    public static Decision Decide(MessageFacts facts)
    {
        ArgumentNullException.ThrowIfNull(facts);
        var now = facts.Now;
        if (facts.NotAfter is { } notAfter && now >= notAfter)
        {
            return new Decision.Park(FailureReasons.Expired, $"notAfter {notAfter:O} has passed");
        }

        if (facts.SenderHeld is { } why)
        {
            // Sending would be refused and cost the relay's reputation for every client: it waits for the domain to pass.
            return new Decision.HoldSender(why, now + facts.PausedRecheck);
        }

        if ((facts.EgressSuspendedUntil is not null || facts.PartitionSuspendedUntil is not null) && !facts.EgressPaused && facts.Fallback is { } fallback && !facts.Rerouted)
        {
            // Banned (the whole egress, or by the receiver of its partition), with a route to spare: the fallback sends
            // it (once: mail rerouted here is never sent on again).
            return new Decision.Reroute(fallback);
        }

        bool egressHeld = facts.EgressPaused || facts.EgressSuspendedUntil is not null;
        if (facts.InLane && egressHeld && !facts.LaneRefused)
        {
            // Paused or suspended as a whole: mail already in a lane stays there, it does not go round the tiers.
            return new Decision.ToLane();
        }

        if (facts.EgressPaused || facts.PartitionPaused)
        {
            // Paused by an operator: the mail waits in the tiers, and looks again after a while.
            return new Decision.ToTiers(now + facts.PausedRecheck, Slotted: false);
        }

        if (facts.EgressSuspendedUntil is { } suspendedUntil)
        {
            // Banned: nothing is sent from this egress until the suspension ends (a resume by hand releases it at the recheck).
            return new Decision.ToTiers(Earliest(suspendedUntil, now + facts.PausedRecheck), Slotted: false);
        }

        if (facts.LargestTransaction is int largest && facts.Recipients > largest)
        {
            return new Decision.Split(largest);
        }

        // A retry's back-off still to wait out: the tiers (the wait is the message's own, not its partition's).
        if (facts.NotBefore - now >= facts.ShortestTier && !facts.Slotted)
        {
            return new Decision.ToTiers(facts.NotBefore!.Value, Slotted: false);
        }

        if ((facts.CoolingUntil is not null || facts.InLane || facts.PartitionHasLane) && !facts.LaneRefused)
        {
            // Its partition is cooling down, or has mail waiting already: it queues there too, and leaves the egress
            // queue free for the other partitions.
            return new Decision.ToLane();
        }

        var waitUntil = Moments.Latest(facts.NotBefore, facts.CoolingUntil);
        if (waitUntil - now >= facts.ShortestTier)
        {
            return new Decision.ToTiers(waitUntil!.Value, facts.Slotted && waitUntil == facts.NotBefore);
        }

        // Back from the tiers a little early (they come in fixed lengths): the rest, less than the shortest tier, is
        // waited out in hand rather than once more round the tiers and that much late.
        return new Decision.Admit(waitUntil > now ? waitUntil.Value - now : TimeSpan.Zero);
    }

    /// <summary>After the limiters refused: ask again in a moment, wait in its lane, or round the tiers.</summary>
    public static Decision Refused(Admission admission, MessageFacts facts)
    {
        ArgumentNullException.ThrowIfNull(admission);
        ArgumentNullException.ThrowIfNull(facts);
        if (admission is Admission.RateLimited soon && facts.Slotted && soon.RetryAfter < facts.ShortestTier)
        {
            // Its slot has come and the permit is moments away (the sends before it ran a little late).
            return new Decision.AskAgain(soon.RetryAfter);
        }

        if (!facts.LaneRefused)
        {
            // Not now: it waits in its partition's lane, read at the permitted rate (one publish, whatever the wait).
            return new Decision.ToLane();
        }

        return admission is Admission.RateLimited
            ? new Decision.ToSlot()

            // Busy (as many transactions open as the partition allows) and no lane free: round the shortest tier.
            : new Decision.ToTiers(facts.NotBefore ?? facts.Now, facts.Slotted);
    }

    private static DateTimeOffset Earliest(DateTimeOffset a, DateTimeOffset b) => a < b ? a : b;
}
