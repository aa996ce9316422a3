using Microsoft.Extensions.Time.Testing;
using Sluice.Worker.Delivery;
using Sluice.Worker.Dispatch;
using Sluice.Worker.Scheduling;

namespace Sluice.Tests.Dispatch;

/// <summary>The dispatcher's rules, fact by fact: what a message meets decides where it goes, with no broker or receiver.</summary>
public sealed class MessageDecisionTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 3, 12, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Shortest = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan Recheck = TimeSpan.FromMinutes(5);

    private static MessageFacts Fresh() => new(
        Now, NotAfter: null, NotBefore: null, Slotted: false, Recipients: 1, InLane: false, EgressPaused: false, EgressSuspendedUntil: null,
        PartitionPaused: false, LargestTransaction: null, CoolingUntil: null, PartitionHasLane: false, LaneRefused: false, Shortest, Recheck);

    [Fact]
    public void Fresh_mail_with_nothing_in_its_way_asks_for_permits_at_once()
    {
        Assert.Equal(new Decision.Admit(TimeSpan.Zero), MessageDecision.Decide(Fresh()));
    }

    [Fact]
    public void Mail_past_its_deadline_is_parked_whatever_else_holds()
    {
        var decision = MessageDecision.Decide(Fresh() with { NotAfter = Now, EgressPaused = true, CoolingUntil = Now.AddHours(1) });
        Assert.Equal(FailureReasons.Expired, Assert.IsType<Decision.Park>(decision).Reason);
    }

    [Fact]
    public void A_paused_or_suspended_egress_keeps_lane_mail_in_its_lane_and_sends_other_mail_round_the_tiers()
    {
        Assert.IsType<Decision.ToLane>(MessageDecision.Decide(Fresh() with { InLane = true, EgressPaused = true }));
        Assert.IsType<Decision.ToLane>(MessageDecision.Decide(Fresh() with { InLane = true, EgressSuspendedUntil = Now.AddHours(1) }));
        Assert.Equal(new Decision.ToTiers(Now + Recheck, false), MessageDecision.Decide(Fresh() with { EgressPaused = true }));

        // A suspension shorter than the recheck brings the mail back when it ends; a longer one at the recheck (a resume by hand).
        Assert.Equal(new Decision.ToTiers(Now.AddMinutes(1), false), MessageDecision.Decide(Fresh() with { EgressSuspendedUntil = Now.AddMinutes(1) }));
        Assert.Equal(new Decision.ToTiers(Now + Recheck, false), MessageDecision.Decide(Fresh() with { EgressSuspendedUntil = Now.AddHours(1) }));
    }

    [Fact]
    public void A_paused_partition_waits_in_the_tiers_and_looks_again_at_the_recheck()
    {
        Assert.Equal(new Decision.ToTiers(Now + Recheck, false), MessageDecision.Decide(Fresh() with { PartitionPaused = true, PartitionHasLane = true }));
    }

    [Fact]
    public void More_recipients_than_one_transaction_may_carry_are_split()
    {
        Assert.Equal(new Decision.Split(10), MessageDecision.Decide(Fresh() with { Recipients = 11, LargestTransaction = 10 }));
        Assert.IsType<Decision.Admit>(MessageDecision.Decide(Fresh() with { Recipients = 10, LargestTransaction = 10 }));
    }

    [Fact]
    public void A_retry_back_off_is_waited_out_in_the_tiers_but_a_short_rest_in_hand()
    {
        Assert.Equal(new Decision.ToTiers(Now.AddMinutes(2), false), MessageDecision.Decide(Fresh() with { NotBefore = Now.AddMinutes(2) }));
        Assert.Equal(new Decision.Admit(TimeSpan.FromMilliseconds(300)), MessageDecision.Decide(Fresh() with { NotBefore = Now.AddMilliseconds(300) }));
    }

    [Fact]
    public void A_cooling_or_backlogged_partition_takes_the_mail_into_its_lane_and_the_tiers_only_when_no_lane_can()
    {
        var cooling = Fresh() with { CoolingUntil = Now.AddMinutes(1) };
        Assert.IsType<Decision.ToLane>(MessageDecision.Decide(cooling));
        Assert.IsType<Decision.ToLane>(MessageDecision.Decide(Fresh() with { PartitionHasLane = true }));
        Assert.Equal(new Decision.ToTiers(Now.AddMinutes(1), false), MessageDecision.Decide(cooling with { LaneRefused = true }));
        Assert.IsType<Decision.Admit>(MessageDecision.Decide(Fresh() with { PartitionHasLane = true, LaneRefused = true }));
    }

    [Fact]
    public void A_slotted_message_keeps_its_slot_through_the_tiers()
    {
        var slotted = Fresh() with { NotBefore = Now.AddMinutes(3), Slotted = true, LaneRefused = true };
        Assert.Equal(new Decision.ToTiers(Now.AddMinutes(3), true), MessageDecision.Decide(slotted));

        // Cooling past its slot: it waits for the cool-down, and the slot is gone.
        Assert.Equal(new Decision.ToTiers(Now.AddMinutes(5), false), MessageDecision.Decide(slotted with { CoolingUntil = Now.AddMinutes(5) }));
    }

    [Fact]
    public void Refused_permits_send_the_mail_to_its_lane_or_without_one_to_a_slot_or_round_the_shortest_tier()
    {
        using var limiter = new SlidingLogRateLimiter(1, TimeSpan.FromMinutes(1), new FakeTimeProvider(Now));
        var rateLimited = new Admission.RateLimited(TimeSpan.FromSeconds(30), limiter, "d.example");
        var busy = new Admission.Busy();
        Assert.IsType<Decision.ToLane>(MessageDecision.Refused(rateLimited, Fresh()));
        Assert.IsType<Decision.ToLane>(MessageDecision.Refused(busy, Fresh()));
        Assert.IsType<Decision.ToSlot>(MessageDecision.Refused(rateLimited, Fresh() with { LaneRefused = true }));
        Assert.Equal(new Decision.ToTiers(Now, false), MessageDecision.Refused(busy, Fresh() with { LaneRefused = true }));

        // On its slot with the permit moments away: asked again in hand, not sent round a tier to come back late.
        var soon = rateLimited with { RetryAfter = TimeSpan.FromMilliseconds(200) };
        Assert.Equal(new Decision.AskAgain(TimeSpan.FromMilliseconds(200)), MessageDecision.Refused(soon, Fresh() with { Slotted = true, NotBefore = Now }));
        Assert.IsType<Decision.ToLane>(MessageDecision.Refused(soon, Fresh()));
    }

    [Fact]
    public void A_banned_egress_with_a_fallback_reroutes_its_mail_once_and_never_while_paused()
    {
        var banned = Fresh() with { EgressSuspendedUntil = Now.AddHours(1), Fallback = "backup" };
        Assert.Equal(new Decision.Reroute("backup"), MessageDecision.Decide(banned));
        Assert.Equal(new Decision.Reroute("backup"), MessageDecision.Decide(banned with { InLane = true, CoolingUntil = Now.AddMinutes(1) }));

        // Rerouted once already (its fallback is banned too): it waits like any mail of a banned egress.
        Assert.IsType<Decision.ToTiers>(MessageDecision.Decide(banned with { Rerouted = true }));

        // An operator's pause of the egress holds everything, fallback or not.
        Assert.IsType<Decision.ToTiers>(MessageDecision.Decide(banned with { EgressPaused = true }));
        Assert.IsType<Decision.Admit>(MessageDecision.Decide(Fresh() with { Fallback = "backup" }));

        // A receiver's ban of the partition alone moves that partition's mail too.
        Assert.Equal(new Decision.Reroute("backup"), MessageDecision.Decide(Fresh() with { PartitionSuspendedUntil = Now.AddHours(1), Fallback = "backup" }));
        Assert.IsType<Decision.ToLane>(MessageDecision.Decide(Fresh() with { PartitionSuspendedUntil = Now.AddHours(1), CoolingUntil = Now.AddHours(1) }));
    }
}
