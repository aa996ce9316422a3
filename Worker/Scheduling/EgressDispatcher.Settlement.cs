using Sluice.Contracts.Events;
using Sluice.Contracts.Validation;
using Sluice.Worker.Delivery;
using Sluice.Worker.Dispatch;
using Sluice.Worker.Journal;
using Sluice.Worker.Sending;
using Sluice.Worker.Settlement;
using Sluice.Worker.Topology;

namespace Sluice.Worker.Scheduling;

/// <summary>The dispatcher's settling of a send: the <see cref="Dispatch.SettlementPlan"/> carried out, retries, uncertain sends.</summary>
public sealed partial class EgressDispatcher
{
    /// <summary>
    /// The data may have been delivered, but the reply was lost: an attempt of this message, never a smarthost
    /// outage to retry at once (a receiver that hangs up after DATA would get the message again and again).
    /// Tried again after the retry back-off while <c>Retry:UncertainRetries</c> allows; then parked.
    /// </summary>
    private async Task UncertainAsync(EgressWork work, EgressEnvelope envelope, Exception lost)
    {
        int uncertain = envelope.Uncertain + 1;
        int attempts = envelope.Attempts + 1;
        string detail = $"the connection failed after the receiver accepted the recipients ({lost.GetType().Name}: {lost.Message}); the message may have been delivered";
        Count(envelope, "uncertain", envelope.Recipients.Count);
        if (uncertain > services.Retry.UncertainRetries)
        {
            await PublishParkedCopyAsync(work, envelope, envelope.Recipients, FailureReasons.UncertainDelivery, $"{uncertain} sends with no reply; last: {detail}", attempts).ConfigureAwait(false);
        }
        else
        {
            LogUncertain(work.Properties.MessageId, envelope.Domain, uncertain, services.Retry.UncertainRetries);
            var decision = services.RetryPolicy.Next(attempts, envelope.AcceptedAt, envelope.Mail.NotAfter, Random.Shared);
            var next = decision.At ?? _time.GetUtcNow();
            await Task.WhenAll(
                PublishDelayedCopyAsync(work, envelope, envelope.Recipients, next, slotted: false, attempts, detail, [new(MailHeaders.Uncertain, (long)uncertain)]),
                events.PublishAsync(envelope, envelope.Recipients, DeliveryOutcomes.Uncertain, attempts, detail: detail, next: next)).ConfigureAwait(false);
        }

        await work.Settler.AckAsync(work.DeliveryTag).ConfigureAwait(false);
    }

    /// <summary>Carries out the <see cref="SettlementPlan"/> of a send report, journals it, then acks the message.</summary>
    private async Task SettleAsync(EgressWork work, EgressEnvelope envelope, SendReport report, JournalRecord settled, bool fromReceivers)
    {
        int attempts = envelope.Attempts + 1;
        var now = _time.GetUtcNow();
        var hops = new List<Task> { ReportAsync(envelope, report.Accepted, DeliveryOutcomes.Delivered, attempts) };
        // Each distinct reply is classified once: for its count by code, and for the plan.
        var classified = new Dictionary<Classification.SmtpReply, Classification.Classification>();
        foreach (var refused in report.Refused.GroupBy(r => r.Reply))
        {
            var classification = classified[refused.Key] = services.Classifier.Classify(refused.Key);
            services.Delivery.Refused(egress, envelope.Provider, refused.Key, classification.Outcome, refused.Count());
        }

        var plan = SettlementPlan.For(report.Refused, reply => classified[reply], now, ThrottleCoolDown(envelope.Partition), services.Retry.BanSuspension, services.PausedRecheck, fromReceivers);
        foreach (var step in plan)
        {
            var recipients = step.Recipients;
            string reply = step.Reply;
            string shown = PrintableText.Escape(reply, 1000);
            Count(envelope, step.Counted, recipients.Count, step is SettlementStep.Fail ? FailureReasons.Rejected : null);
            switch (step)
            {
                case SettlementStep.Fail:
                    LogSettled(work.Properties.MessageId, envelope.Domain, FailureReasons.Rejected, reply);
                    hops.Add(PublishCopyAsync(work, QueueNames.Failed, recipients, [.. NextHop.Reason(FailureReasons.Rejected, reply, now), new(MailHeaders.Attempts, (long)attempts)]));
                    hops.Add(events.PublishAsync(envelope, recipients, DeliveryOutcomes.Failed, attempts, reply: reply, reason: FailureReasons.Rejected));
                    break;
                case SettlementStep.Throttle throttle:
                    state.Planner.CoolDown(envelope.Partition, throttle.CoolUntil);
                    state.Limiters.Throttled(envelope.Partition);
                    LogThrottled(envelope.Partition, shown, throttle.CoolUntil);
                    // A throttle is about the rate, not this message: it goes back onto the partition's slot plan
                    // (after the cool-down, at the cut rate) rather than on an exponential backoff.
                    hops.Add(RetryLaterAsync(work, envelope, recipients, attempts, reply, DeliveryOutcomes.Throttled, earliest: throttle.CoolUntil, onSlot: true));
                    break;
                case SettlementStep.SplitInTwo split:
                    // Two halves, each its own message with its own permits, back after the shortest tier.
                    hops.Add(PublishDelayedCopyAsync(work, envelope, split.First, now, slotted: false, envelope.Attempts, reply));
                    hops.Add(PublishDelayedCopyAsync(work, envelope, split.Second, now, slotted: false, envelope.Attempts, reply));
                    hops.Add(events.PublishAsync(envelope, recipients, DeliveryOutcomes.Deferred, attempts, reply: reply, detail: "too many recipients in one transaction: sent again as two", next: now));
                    break;
                case SettlementStep.Retry retry:
                    hops.Add(RetryLaterAsync(work, envelope, recipients, attempts, reply, retry.Outcome, earliest: null, latest: retry.Latest));
                    break;
                case SettlementStep.BanPartition ban:
                    // The receiver bans this sender for the mail it hosts: that partition stops (its lane waits), nobody else's mail does.
                    state.Planner.Suspend(envelope.Partition, ban.Until);
                    state.Limiters.RampAfterBan(envelope.Partition, ban.Until);
                    LogPartitionBanned(egress, envelope.Partition, shown, ban.Until);
                    services.Scheduling.Suspended(egress, envelope.Partition);
                    hops.Add(journal.SuspendedAsync(now, ban.Until, envelope.Partition));
                    hops.Add(RetryLaterAsync(work, envelope, recipients, attempts, reply, DeliveryOutcomes.Banned, earliest: null, latest: ban.RetryBy));
                    break;
                case SettlementStep.BanEgress ban:
                    if (state.Breaker.Trip(ban.Until))
                    {
                        LogBanned(egress, shown, ban.Until);
                        services.Scheduling.Suspended(egress);
                    }

                    // A new owner keeps the suspension instead of sending into the ban; when it ends, the egress comes
                    // back on the warm-up ramp.
                    hops.Add(journal.SuspendedAsync(now, ban.Until));
                    state.Limiters.WarmUp.Begin(ban.Until);
                    hops.Add(RetryLaterAsync(work, envelope, recipients, attempts, reply, DeliveryOutcomes.Banned, earliest: null, latest: ban.RetryBy));
                    break;
            }
        }

        if (report.Accepted.Count > 0)
        {
            state.Limiters.Delivered(envelope.Partition);
            state.Activity.Delivered(envelope.Partition, report.Accepted.Count);
        }

        if ((report.Refused.Count > 0 ? report.Refused[^1].Reply : report.Reply) is { } last)
        {
            state.Activity.Replied(envelope.Partition, PrintableText.Escape(last.ToString(), 200));
        }

        // Recorded before anything is acked: from here on no copy of this message reaches these recipients again.
        await journal.SettledAsync(settled).ConfigureAwait(false);

        await Task.WhenAll(hops).ConfigureAwait(false);
        await work.Settler.AckAsync(work.DeliveryTag).ConfigureAwait(false);
        LogSent(work.Properties.MessageId, envelope.Domain, report.Accepted.Count, report.Refused.Count);
    }

    /// <summary>
    /// Within the retry budget: back to the tiers (after a backoff, or on the partition's next slot), and producers
    /// are told <paramref name="outcome"/> with the next attempt; past it: parked.
    /// </summary>
    private Task RetryLaterAsync(
        EgressWork work, EgressEnvelope envelope, IReadOnlyList<string> recipients, int attempts, string reply, string outcome,
        DateTimeOffset? earliest, DateTimeOffset? latest = null, bool onSlot = false)
    {
        var decision = services.RetryPolicy.Next(attempts, envelope.AcceptedAt, envelope.Mail.NotAfter, Random.Shared);
        if (decision.At is not { } at)
        {
            return PublishParkedCopyAsync(work, envelope, recipients, decision.Reason!, $"{decision.Detail}; last reply: {reply}", attempts, reply);
        }

        DateTimeOffset notBefore;
        var limiter = onSlot ? state.Limiters.PartitionLimiter(envelope.Partition) : null;
        if (limiter is not null)
        {
            notBefore = Moments.Latest(state.Planner.Reserve(envelope.Partition, recipients.Count, limiter), earliest)!.Value;
        }
        else
        {
            notBefore = Moments.Latest(at, earliest)!.Value;
            if (latest is { } cap && cap < notBefore)
            {
                notBefore = cap;
            }
        }

        return Task.WhenAll(
            PublishDelayedCopyAsync(work, envelope, recipients, notBefore, slotted: limiter is not null, attempts, reply),
            events.PublishAsync(envelope, recipients, outcome, attempts, reply: reply, next: notBefore));
    }

    /// <summary>The default pause after a throttle: <c>Retry:ThrottleCoolDownWindows</c> of the partition's window, at most <c>Retry:ThrottleCoolDown</c>.</summary>
    private TimeSpan ThrottleCoolDown(string partition)
    {
        var ceiling = services.Retry.ThrottleCoolDown;
        double windows = services.Retry.ThrottleCoolDownWindows;
        return windows > 0 && state.Limiters.PartitionLimiter(partition) is { } limiter && limiter.Window * windows < ceiling ? limiter.Window * windows : ceiling;
    }
}
