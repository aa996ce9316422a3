namespace Sluice.Worker.Classification;

/// <summary>The reply table (configuration section <c>Classification</c>).</summary>
public sealed class ClassificationOptions
{
    public const string SectionName = "Classification";

    /// <summary>
    /// Shipped defaults for Microsoft, Gmail, Yahoo and generic replies that do not mean what their
    /// class says: "slow down", "the sender is banned", "fewer recipients per transaction".
    /// Everything else falls back to the reply class (2xx delivered, 4xx deferred, 5xx failed).
    /// </summary>
    public static readonly IReadOnlyList<ReplyRule> DefaultRules =
    [
        // Microsoft 365 as the smarthost (Exchange Online NDR reference): the sending account is refused, so the egress stops.
        new() { Code = "5xx", Enhanced = "5.7.705", Outcome = DeliveryOutcome.Banned, Scope = BanScope.Egress },     // tenant has exceeded threshold
        new() { Code = "5xx", Enhanced = "5.7.708", Outcome = DeliveryOutcome.Banned, Scope = BanScope.Egress },     // traffic not accepted from this IP
        new() { Code = "5xx", Enhanced = "5.7.750", Outcome = DeliveryOutcome.Banned, Scope = BanScope.Egress },     // unregistered domain / client blocked

        // Microsoft's inbound edge as the receiver: it refuses this sender's IP for the mail it hosts, nobody else's.
        new() { Code = "5xx", Enhanced = "5.7.606-649", Outcome = DeliveryOutcome.Banned, Scope = BanScope.Partition }, // banned sending IP
        new() { Code = "4xx", Enhanced = "4.7.850-899", Outcome = DeliveryOutcome.Banned, Scope = BanScope.Partition, CoolDown = TimeSpan.FromMinutes(15) }, // IP temporarily blocked

        // Microsoft: the receiver wants fewer messages (server busy, IP reputation, recipient rate limits).
        new() { Code = "4xx", Enhanced = "4.7.500-699", Outcome = DeliveryOutcome.Throttled },
        new() { Code = "5xx", Enhanced = "5.2.121-122", Outcome = DeliveryOutcome.Throttled, CoolDown = TimeSpan.FromHours(1) },

        // Too many recipients in one transaction: send them in smaller groups.
        new() { Code = "452", Enhanced = "4.5.3", Outcome = DeliveryOutcome.SplitAndRetry },
        new() { Code = "4xx", Text = "too many recipients", Outcome = DeliveryOutcome.SplitAndRetry },

        // Yahoo: [TS03] is a block of the sender; [TSS04]/[TSS05] and other [TSnn] defer for volume.
        new() { Code = "5xx", Text = @"\[TS03\]", Outcome = DeliveryOutcome.Banned, Scope = BanScope.Partition },
        new() { Code = "4xx", Text = @"\[TS03\]", Outcome = DeliveryOutcome.Banned, Scope = BanScope.Partition },
        new() { Code = "4xx", Text = @"\[TSS?0[0-9]\]", Outcome = DeliveryOutcome.Throttled },

        // Gmail: 550 5.7.1 "... blocked" refuses the sender; 450 4.2.1 the recipient gets mail too fast.
        new() { Code = "550", Enhanced = "5.7.1", Text = "block", Outcome = DeliveryOutcome.Banned, Scope = BanScope.Partition },
        new() { Code = "450", Enhanced = "4.2.1", Outcome = DeliveryOutcome.Throttled, CoolDown = TimeSpan.FromMinutes(5) },

        // Generic: 421 closes the connection because the server is overloaded or the sender too fast
        // (Gmail 4.7.28, Yahoo 4.7.0); any 4.7.x that speaks of rate or load.
        new() { Code = "421", Outcome = DeliveryOutcome.Throttled },
        new() { Code = "4xx", Enhanced = "4.7.", Text = "busy|rate|limit|throttl|too many|reputation|try again later", Outcome = DeliveryOutcome.Throttled },
    ];

    /// <summary>Ordered rules; the first match wins. Empty means <see cref="DefaultRules"/>.</summary>
    public List<ReplyRule> Rules { get; set; } = [];

    public IReadOnlyList<ReplyRule> EffectiveRules => Rules.Count > 0 ? Rules : DefaultRules;
}
