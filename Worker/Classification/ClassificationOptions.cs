namespace Sluice.Worker.Classification;

/// <summary>The reply table (configuration section <c>Classification</c>).</summary>
public sealed class ClassificationOptions
{
    public const string SectionName = "Classification";

    /// <summary>
    /// Shipped defaults: replies that mean "slow down" rather than "try this message later".
    /// Everything else falls back to the reply class (2xx delivered, 4xx deferred, 5xx failed).
    /// </summary>
    public static readonly IReadOnlyList<ReplyRule> DefaultRules =
    [
        // Microsoft: the sender as a whole is refused (tenant threshold, IP not accepted, banned IP).
        new() { Code = "5xx", Enhanced = "5.7.705", Outcome = DeliveryOutcome.Banned },
        new() { Code = "5xx", Enhanced = "5.7.708", Outcome = DeliveryOutcome.Banned },
        new() { Code = "5xx", Enhanced = "5.7.750", Outcome = DeliveryOutcome.Banned },
        new() { Code = "5xx", Enhanced = "5.7.606-649", Outcome = DeliveryOutcome.Banned },
        // Microsoft: 4.7.500-699 server busy / rate limited due to IP reputation.
        new() { Code = "4xx", Enhanced = "4.7.", Text = "busy|rate|limit|throttl|too many|reputation|try again later", Outcome = DeliveryOutcome.Throttled },
        // Gmail 421 4.7.28, Yahoo 421 4.7.0 [TSS04]: unusual rate / temporarily deferred.
        new() { Code = "421", Outcome = DeliveryOutcome.Throttled },
        new() { Code = "4xx", Text = @"\[TS0?[0-9]\]|\[TSS0[0-9]\]", Outcome = DeliveryOutcome.Throttled },
    ];

    /// <summary>Ordered rules; the first match wins. Empty means <see cref="DefaultRules"/>.</summary>
    public List<ReplyRule> Rules { get; set; } = [];

    public IReadOnlyList<ReplyRule> EffectiveRules => Rules.Count > 0 ? Rules : DefaultRules;
}
