using Sluice.Contracts.Events;
using Sluice.Worker.Classification;
using Sluice.Worker.Sending;

namespace Sluice.Worker.Dispatch;

/// <summary>
/// The steps a send report's refusals lead to, one per reply class: pure (the reply table and the moment come in,
/// steps go out), so every classification's consequence is unit-tested without a broker or a receiver.
/// </summary>
public static class SettlementPlan
{
    /// <param name="refused">The recipients refused, each with its reply.</param>
    /// <param name="classify">The reply table.</param>
    /// <param name="now">When the report came.</param>
    /// <param name="throttleCoolDown">The partition's cool-down when the reply table names none.</param>
    /// <param name="banSuspension">A ban's suspension when the reply table names none.</param>
    /// <param name="pausedRecheck">How often suspended mail looks again (a retry never waits longer than this while banned).</param>
    /// <param name="fromReceivers">
    /// The replies came from the receivers themselves (the egress delivers to MX hosts): no smarthost stands between, so
    /// every ban is the issuing receiver's and suspends its partition only, whatever scope the reply table gives it.
    /// </param>
    public static IReadOnlyList<SettlementStep> For(
        IReadOnlyList<RecipientReply> refused, Func<SmtpReply, Sluice.Worker.Classification.Classification> classify, DateTimeOffset now,
        TimeSpan throttleCoolDown, TimeSpan banSuspension, TimeSpan pausedRecheck, bool fromReceivers = false)
    {
        ArgumentNullException.ThrowIfNull(refused);
        ArgumentNullException.ThrowIfNull(classify);
        var steps = new List<SettlementStep>();
        foreach (var group in refused.GroupBy(r => classify(r.Reply)))
        {
            var classification = group.Key;
            DateTimeOffset Ban() => now + (classification.CoolDown ?? banSuspension);
            IReadOnlyList<string> recipients = [.. group.Select(r => r.Recipient)];
            string reply = classification.Reply.ToString();
            steps.Add(classification.Outcome switch
            {
                DeliveryOutcome.Failed => new SettlementStep.Fail(recipients, reply),
                DeliveryOutcome.Throttled => new SettlementStep.Throttle(recipients, reply, now + (classification.CoolDown ?? throttleCoolDown)),
                DeliveryOutcome.SplitAndRetry when recipients.Count > 1 => new SettlementStep.SplitInTwo(recipients, reply),
                DeliveryOutcome.SplitAndRetry => new SettlementStep.Retry(recipients, reply, DeliveryOutcomes.Deferred, "split"),
                DeliveryOutcome.Banned when classification.Scope == BanScope.Partition || fromReceivers =>
                    new SettlementStep.BanPartition(recipients, reply, Ban(), RetryBy(Ban())),
                DeliveryOutcome.Banned => new SettlementStep.BanEgress(recipients, reply, Ban(), RetryBy(Ban())),

                DeliveryOutcome.Deferred => new SettlementStep.Retry(recipients, reply, DeliveryOutcomes.Deferred, "deferred"),

                // A refusal the table calls delivered (a misconfigured row) is retried, never lost.
                _ => new SettlementStep.Retry(recipients, reply, DeliveryOutcomes.Deferred, "deferred"),
            });
        }

        return steps;

        // A banned recipient's retry comes back when the ban ends or at the next recheck, whichever is first (a resume by hand releases it then).
        DateTimeOffset RetryBy(DateTimeOffset until) => until < now + pausedRecheck ? until : now + pausedRecheck;
    }
}
