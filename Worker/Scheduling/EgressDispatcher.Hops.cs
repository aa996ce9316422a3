using System.Diagnostics;
using Sluice.Contracts.Events;
using Sluice.Worker.Delivery;
using Sluice.Worker.Settlement;
using Sluice.Worker.Topology;

namespace Sluice.Worker.Scheduling;

/// <summary>The dispatcher's one way to move a message on: a confirmed copy to its next queue, then the ack.</summary>
public sealed partial class EgressDispatcher
{
    /// <summary>Sends the copy on as batches of at most <paramref name="largest"/> recipients (each confirmed), then acks it.</summary>
    private async Task SplitAsync(EgressWork work, EgressEnvelope envelope, int largest)
    {
        var now = _time.GetUtcNow();
        var copies = RecipientBatches.Split(envelope.Recipients, largest)
            .Select(batch => PublishDelayedCopyAsync(work, envelope, batch, envelope.NotBefore ?? now, slotted: false, envelope.Attempts, null));
        await Task.WhenAll(copies).ConfigureAwait(false);
        await work.Settler.AckAsync(work.DeliveryTag).ConfigureAwait(false);
    }

    /// <summary>A copy for <paramref name="recipients"/> into <c>mail.parked</c>, logged and counted; the caller acks the original.</summary>
    private Task PublishParkedCopyAsync(EgressWork work, EgressEnvelope envelope, IReadOnlyList<string> recipients, string reason, string detail, int attempts, string? reply = null)
    {
        LogSettled(work.Properties.MessageId, envelope.Domain, reason, detail);
        return Task.WhenAll(
            PublishCopyAsync(work, QueueNames.Parked, recipients, [.. NextHop.Reason(reason, detail, _time.GetUtcNow()), new(MailHeaders.Attempts, (long)attempts)]),
            ReportAsync(envelope, recipients, DeliveryOutcomes.Parked, attempts, reply: reply, reason: reason, detail: detail));
    }

    private async Task ParkAsync(EgressWork work, EgressEnvelope envelope, IReadOnlyList<string> recipients, string reason, string detail)
    {
        LogSettled(work.Properties.MessageId, envelope.Domain, reason, detail);
        await Task.WhenAll(
            PublishCopyAsync(work, QueueNames.Parked, recipients, NextHop.Reason(reason, detail, _time.GetUtcNow())),
            ReportAsync(envelope, recipients, DeliveryOutcomes.Parked, envelope.Attempts, reason: reason, detail: detail)).ConfigureAwait(false);
        await work.Settler.AckAsync(work.DeliveryTag).ConfigureAwait(false);
    }

    /// <summary>Sends the message to the delay tier for <paramref name="notBefore"/>, then acks the original.</summary>
    private async Task DelayAsync(EgressWork work, EgressEnvelope envelope, IReadOnlyList<string> recipients, DateTimeOffset notBefore, bool slotted, int attempts, string? reply)
    {
        await PublishDelayedCopyAsync(work, envelope, recipients, notBefore, slotted, attempts, reply).ConfigureAwait(false);
        await work.Settler.AckAsync(work.DeliveryTag).ConfigureAwait(false);
    }

    /// <summary>The one way into the delay tiers: picks the tier for the wait and counts the copy as waiting for its partition.</summary>
    private Task PublishDelayedCopyAsync(
        EgressWork work, EgressEnvelope envelope, IReadOnlyList<string> recipients, DateTimeOffset notBefore, bool slotted, int attempts, string? reply,
        KeyValuePair<string, object?>[]? extraHeaders = null)
    {
        state.Backlog.Left(envelope.Partition, envelope.AcceptedAt);
        services.Scheduling.Delayed(egress);
        var tier = services.Tiers.For(notBefore - _time.GetUtcNow());
        return PublishCopyAsync(work, QueueNames.Delay(egress, tier), recipients, [.. DelayHeaders(notBefore, slotted, attempts, reply), .. extraHeaders ?? []]);
    }

    private static KeyValuePair<string, object?>[] DelayHeaders(DateTimeOffset notBefore, bool slotted, int attempts, string? reply) =>
    [
        new(MailHeaders.NotBefore, notBefore.ToUnixTimeMilliseconds()),
        new(MailHeaders.Slotted, slotted ? 1L : null),
        new(MailHeaders.Attempts, (long)attempts),
        new(MailHeaders.LastReply, reply),
    ];

    /// <summary>Publishes the next hop (confirmed), then acks the original.</summary>
    private async Task MoveAsync(EgressWork work, string queue, KeyValuePair<string, object?>[] headers, IReadOnlyList<string>? recipients = null)
    {
        await PublishCopyAsync(work, queue, recipients, headers).ConfigureAwait(false);
        await work.Settler.AckAsync(work.DeliveryTag).ConfigureAwait(false);
    }

    private Task PublishCopyAsync(EgressWork work, string queue, IReadOnlyList<string>? recipients, KeyValuePair<string, object?>[] headers)
    {
        IEnumerable<KeyValuePair<string, object?>> all = recipients is null
            ? headers
            : headers.Append(new(MailHeaders.Recipients, EgressEnvelope.EncodeRecipients(recipients)));
        return publisher.PublishAsync(queue, work.Body, NextHop.From(work.Properties, all), CancellationToken.None);
    }

    /// <summary>A final outcome for these recipients (or one with nothing more to say than its name): counted, and told to producers.</summary>
    private Task ReportAsync(
        EgressEnvelope envelope, IReadOnlyList<string> recipients, string outcome, int attempt,
        string? reply = null, string? reason = null, string? detail = null)
    {
        Count(envelope, outcome, recipients.Count, reason);
        return events.PublishAsync(envelope, recipients, outcome, attempt, reply, reason, detail);
    }

    private void Count(EgressEnvelope envelope, string outcome, int recipients, string? reason = null)
    {
        if (recipients > 0)
        {
            services.Delivery.Settled(egress, envelope.Provider, envelope.Domain, outcome, recipients, reason, envelope.Mail.Tenant);
            Activity.Current?.AddEvent(new ActivityEvent(outcome, tags: new ActivityTagsCollection { ["recipients"] = recipients }));
        }
    }

    /// <summary>
    /// This egress is suspended by a ban: the copy goes to the fallback egress's queue, marked so it is not moved on
    /// again, without this egress's slot (the fallback plans its own), then the original is acked.
    /// </summary>
    private Task RerouteAsync(EgressWork work, EgressEnvelope envelope, string to)
    {
        services.Scheduling.Rerouted(egress, to);
        LogRerouted(work.Properties.MessageId, envelope.Domain, egress, to);
        return MoveAsync(work, QueueNames.Egress(to),
            [new(MailHeaders.Egress, to), new(MailHeaders.ReroutedFrom, egress), new(MailHeaders.NotBefore, null), new(MailHeaders.Slotted, null)],
            envelope.Recipients);
    }

    /// <summary>
    /// Its sender fails the preflight under the Hold policy: round the tiers to look again, and producers are told why the
    /// first time (a message held for hours would otherwise tell them every recheck).
    /// </summary>
    private async Task HoldSenderAsync(EgressWork work, EgressEnvelope envelope, Dispatch.Decision.HoldSender held)
    {
        bool toldAlready = MailHeaders.GetString(work.Properties.Headers, MailHeaders.LastReply) == held.Reason;
        await Task.WhenAll(
            PublishDelayedCopyAsync(work, envelope, envelope.Recipients, held.Until, slotted: false, envelope.Attempts, held.Reason),
            toldAlready ? Task.CompletedTask : events.PublishAsync(envelope, envelope.Recipients, DeliveryOutcomes.Deferred, envelope.Attempts, detail: held.Reason, next: held.Until))
            .ConfigureAwait(false);
        await work.Settler.AckAsync(work.DeliveryTag).ConfigureAwait(false);
    }
}
