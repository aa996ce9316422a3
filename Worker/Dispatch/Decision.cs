namespace Sluice.Worker.Dispatch;

/// <summary>What to do with a message now (see <see cref="MessageDecision"/>); the dispatcher carries it out.</summary>
public abstract record Decision
{
    /// <summary>Into <c>mail.parked</c> with the reason: it must not be sent.</summary>
    public sealed record Park(string Reason, string Detail) : Decision;

    /// <summary>On as several copies of at most <paramref name="Largest"/> recipients (one transaction may never overrun a limit).</summary>
    public sealed record Split(int Largest) : Decision;

    /// <summary>Its sender domain fails its preflight under the Hold policy: it waits in the tiers until <paramref name="Until"/> and looks again.</summary>
    public sealed record HoldSender(string Reason, DateTimeOffset Until) : Decision;

    /// <summary>To the fallback egress's queue, sent under its limits: this egress is suspended by a ban.</summary>
    public sealed record Reroute(string Egress) : Decision;

    /// <summary>Into (or back into) its partition's waiting lane; when no lane can take it, decide again with <see cref="MessageFacts.LaneRefused"/>.</summary>
    public sealed record ToLane : Decision;

    /// <summary>Round the delay tiers until <paramref name="NotBefore"/>.</summary>
    public sealed record ToTiers(DateTimeOffset NotBefore, bool Slotted) : Decision;

    /// <summary>Ask the limiters for its permits, after waiting <paramref name="WaitFirst"/> in hand (less than the shortest tier).</summary>
    public sealed record Admit(TimeSpan WaitFirst) : Decision;

    /// <summary>Refused by the limiters, but its slot's permit is <paramref name="After"/> away (less than the shortest tier): ask again then.</summary>
    public sealed record AskAgain(TimeSpan After) : Decision;

    /// <summary>Refused by the limiters and no lane free: round the tiers to the next free slot of the level that refused.</summary>
    public sealed record ToSlot : Decision;
}
