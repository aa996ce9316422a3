namespace Sluice.Worker.Dispatch;

/// <summary>
/// One thing a send report leads to, for the recipients one reply class covers (see <see cref="SettlementPlan"/>).
/// <paramref name="Counted"/> is the outcome's name in the delivery metrics.
/// </summary>
public abstract record SettlementStep(IReadOnlyList<string> Recipients, string Reply, string Counted)
{
    /// <summary>Refused for good: a copy to <c>mail.failed</c> with the reply.</summary>
    public sealed record Fail(IReadOnlyList<string> Recipients, string Reply) : SettlementStep(Recipients, Reply, "failed");

    /// <summary>The receiver throttles: its partition cools down until <paramref name="CoolUntil"/>, and the recipients go back on its slot plan after that.</summary>
    public sealed record Throttle(IReadOnlyList<string> Recipients, string Reply, DateTimeOffset CoolUntil) : SettlementStep(Recipients, Reply, "throttled");

    /// <summary>Too many recipients in one transaction: sent again at once as two copies.</summary>
    public sealed record SplitInTwo(IReadOnlyList<string> Recipients, string Reply) : SettlementStep(Recipients, Reply, "split")
    {
        public IReadOnlyList<string> First => [.. Recipients.Take(Recipients.Count / 2)];

        public IReadOnlyList<string> Second => [.. Recipients.Skip(Recipients.Count / 2)];
    }

    /// <summary>
    /// A temporary failure: tried again after the retry back-off (no later than <paramref name="Latest"/>),
    /// producers told <paramref name="Outcome"/>; parked when the retry budget is spent.
    /// </summary>
    public sealed record Retry(IReadOnlyList<string> Recipients, string Reply, string Outcome, string Counted, DateTimeOffset? Latest = null)
        : SettlementStep(Recipients, Reply, Counted);

    /// <summary>
    /// The receiver bans this sender for the mail it hosts: its partition stops until <paramref name="Until"/>; the
    /// recipients retry by <paramref name="RetryBy"/> (the ban's end or the next recheck, whichever is first).
    /// </summary>
    public sealed record BanPartition(IReadOnlyList<string> Recipients, string Reply, DateTimeOffset Until, DateTimeOffset RetryBy)
        : SettlementStep(Recipients, Reply, "banned");

    /// <summary>The smarthost bans the sending account: the whole egress stops until <paramref name="Until"/>; the recipients retry by <paramref name="RetryBy"/>.</summary>
    public sealed record BanEgress(IReadOnlyList<string> Recipients, string Reply, DateTimeOffset Until, DateTimeOffset RetryBy)
        : SettlementStep(Recipients, Reply, "banned");
}
