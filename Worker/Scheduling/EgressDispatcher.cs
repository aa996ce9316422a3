using System.Diagnostics;
using Microsoft.Extensions.Logging;
using MimeKit;
using RabbitMQ.Client;
using Sluice.Contracts.Events;
using Sluice.Contracts.Validation;
using Sluice.Worker.Classification;
using Sluice.Worker.Control;
using Sluice.Worker.Delivery;
using Sluice.Worker.Dispatch;
using Sluice.Worker.Journal;
using Sluice.Worker.Retry;
using Sluice.Worker.Sending;
using Sluice.Worker.Settlement;
using Sluice.Worker.Status;
using Sluice.Worker.Telemetry;
using Sluice.Worker.Topology;

namespace Sluice.Worker.Scheduling;

/// <summary>
/// Carries one egress message through: reads it, asks <see cref="MessageDecision"/> what to do now (park, split,
/// wait in its partition's lane or the tiers, or take its permits), sends it, and settles the send report as
/// <see cref="SettlementPlan"/> says. The rules live in those two pure functions; this class is the plumbing around
/// them: the limiters, the SMTP connection, the journal, and the broker (a confirmed copy to the next queue, then
/// the ack on the channel the message came from: <see cref="EgressWork.Settler"/>).
/// </summary>
public sealed partial class EgressDispatcher(
    string egress,
    EgressServices services,
    EgressState state,
    HopPublisher publisher,
    WaitingLanes lanes,
    DeliveryJournal journal,
    DeliveryEvents events,
    ILogger logger,
    string? fallback = null)
{
    private readonly TimeProvider _time = services.Time;

    public async Task HandleAsync(EgressWork work, SmtpConnection smtp, CancellationToken stopping)
    {
        ArgumentNullException.ThrowIfNull(work);
        ArgumentNullException.ThrowIfNull(smtp);
        using var activity = SluiceActivities.StartFrom("sluice send", ActivityKind.Consumer, work.Properties.Headers);
        activity?.SetTag("messaging.message.id", work.Properties.MessageId);
        activity?.SetTag("sluice.egress", egress);
        EgressEnvelope envelope;
        var lease = work.Lease;
        if (lease is not null && work.Envelope is { } granted)
        {
            // Its lane took the permits for it already: straight to the send.
            envelope = granted;
            state.Backlog.Returned(envelope.Partition, envelope.AcceptedAt);
        }
        else if (await ReadAsync(work).ConfigureAwait(false) is { } read)
        {
            envelope = read;
        }
        else
        {
            return;
        }

        activity?.SetTag("sluice.partition", envelope.Partition);
        activity?.SetTag("sluice.attempts", envelope.Attempts);
        while (true)
        {
            if (lease is null)
            {
                if (await AdmitAsync(work, envelope, smtp, stopping).ConfigureAwait(false) is not { } admitted)
                {
                    return;
                }

                lease = admitted;
            }

            // The send disposes of the lease on every path (a second dispose would release nothing).
            if (await SendAdmittedAsync(work, envelope, lease, smtp, stopping).ConfigureAwait(false) is not { } again)
            {
                return;
            }

            // The smarthost failed before the transaction (backed off since), or another copy took some recipients: once more.
            envelope = again;
            lease = null;
        }
    }

    /// <summary>Reads the envelope and settles what cannot or need not be sent; null when nothing is left to do.</summary>
    private async Task<EgressEnvelope?> ReadAsync(EgressWork work)
    {
        var envelope = EgressEnvelope.TryRead(work.Body, work.Properties, out string? problem);
        if (envelope is null)
        {
            LogSettled(work.Properties.MessageId, "?", FailureReasons.InvalidEnvelope, problem);
            services.Delivery.Settled(egress, null, "?", "failed", 1, FailureReasons.InvalidEnvelope);
            await MoveAsync(work, QueueNames.Failed, NextHop.Reason(FailureReasons.InvalidEnvelope, problem ?? "unreadable", _time.GetUtcNow())).ConfigureAwait(false);
            return null;
        }

        // Waiting ends when a message comes back from the tiers, or leaves its lane (with a permit, or handed back
        // by the lane to be settled here); one just read from its lane into the owner's hands still waits.
        if (work.FromDue || work.Envelope is not null)
        {
            state.Backlog.Returned(envelope.Partition, envelope.AcceptedAt);
        }
        else
        {
            state.Backlog.Seen(envelope.Partition);
        }

        return await SetAsideUnsendableAsync(work, envelope).ConfigureAwait(false) is { } sendable
            ? await SkipDeliveredAsync(work, sendable).ConfigureAwait(false)
            : null;
    }

    /// <summary>
    /// Carries out <see cref="MessageDecision"/> for the message: the permits of its limit chain to send it, or (null)
    /// it was settled otherwise: parked, split, moved to its partition's waiting lane, or sent to the tiers to wait.
    /// </summary>
    private async Task<IDisposable?> AdmitAsync(EgressWork work, EgressEnvelope envelope, SmtpConnection smtp, CancellationToken stopping)
    {
        bool laneRefused = false;
        while (true)
        {
            var decision = MessageDecision.Decide(Facts(work, envelope, laneRefused));
            if (decision is Decision.ToLane)
            {
                if (await TakeIntoLaneAsync(work, envelope).ConfigureAwait(false))
                {
                    return null;
                }

                laneRefused = true;
                continue;
            }

            if (decision is not Decision.Admit admit)
            {
                await CarryOutAsync(work, envelope, decision, null).ConfigureAwait(false);
                return null;
            }

            if (admit.WaitFirst > TimeSpan.Zero)
            {
                await Task.Delay(admit.WaitFirst, _time, stopping).ConfigureAwait(false);
            }

            await state.Gate.WaitOpenAsync(stopping).ConfigureAwait(false);
            if (await smtp.EnsureConnectedAsync(envelope.Domain).ConfigureAwait(false) is { } connectFailure)
            {
                await BackOffAsync(connectFailure, stopping).ConfigureAwait(false);
                continue;
            }

            var admission = await state.Limiters.AdmitAsync(envelope.Partition, envelope.Mail.Tenant, envelope.Recipients.Count, stopping).ConfigureAwait(false);
            if (admission is Admission.Granted granted)
            {
                return granted.Lease;
            }

            var refused = MessageDecision.Refused(admission, Facts(work, envelope, laneRefused));
            if (refused is Decision.AskAgain again)
            {
                await Task.Delay(again.After, _time, stopping).ConfigureAwait(false);
                continue;
            }

            if (admission is Admission.RateLimited limited)
            {
                services.Scheduling.Denied(egress, limited.Level, limited.RetryAfter);
            }

            if (refused is Decision.ToLane)
            {
                if (await TakeIntoLaneAsync(work, envelope).ConfigureAwait(false))
                {
                    return null;
                }

                laneRefused = true;
                refused = MessageDecision.Refused(admission, Facts(work, envelope, laneRefused));
            }

            await CarryOutAsync(work, envelope, refused, admission as Admission.RateLimited).ConfigureAwait(false);
            return null;
        }
    }

    /// <summary>The facts of this moment about the message and its egress, for <see cref="MessageDecision"/>.</summary>
    private MessageFacts Facts(EgressWork work, EgressEnvelope envelope, bool laneRefused) => new(
        _time.GetUtcNow(),
        envelope.Mail.NotAfter,
        envelope.NotBefore,
        envelope.Slotted,
        envelope.Recipients.Count,
        InLane: work.Lane is not null,
        EgressPaused: services.Pauses.IsPaused(new ControlTarget(ControlTargetKind.Egress, egress)),
        EgressSuspendedUntil: state.Breaker.SuspendedUntil,
        PartitionPaused: services.Pauses.Holds(egress, envelope.Domain, envelope.Provider, envelope.Mail.Tenant),
        LargestTransaction: state.Limiters.LargestTransaction(envelope.Partition, envelope.Mail.Tenant),
        CoolingUntil: state.Planner.CoolingUntil(envelope.Partition),
        PartitionHasLane: lanes.HasLane(envelope.Partition),
        LaneRefused: laneRefused,
        services.Tiers.Shortest,
        services.PausedRecheck,
        fallback,
        Rerouted: work.Rerouted,
        PartitionSuspendedUntil: state.Planner.SuspendedUntil(envelope.Partition),
        SenderHeld: services.Senders?.HeldBecause(EmailAddressNormalizer.DomainOf(envelope.Mail.From.Address), egress));

    /// <summary>Settles the message as decided without a send: parked, split, or round the tiers (to a reserved slot of the level that refused).</summary>
    private Task CarryOutAsync(EgressWork work, EgressEnvelope envelope, Decision decision, Admission.RateLimited? limited) => decision switch
    {
        Decision.Park park => ParkAsync(work, envelope, envelope.Recipients, park.Reason, park.Detail),
        Decision.Split split => SplitAsync(work, envelope, split.Largest),
        Decision.Reroute reroute => RerouteAsync(work, envelope, reroute.Egress),
        Decision.HoldSender held => HoldSenderAsync(work, envelope, held),
        Decision.ToTiers tiers => DelayAsync(work, envelope, envelope.Recipients, tiers.NotBefore, tiers.Slotted, envelope.Attempts, null),
        Decision.ToSlot when limited is not null => DelayAsync(work, envelope, envelope.Recipients,
            state.Planner.Reserve(limited.Level, envelope.Recipients.Count, limited.Limiter, envelope.Slotted ? envelope.NotBefore : null), slotted: true, envelope.Attempts, null),
        _ => throw new InvalidOperationException($"{decision} is not settled without a send"),
    };

    /// <summary>Into the partition's lane (moved there, or held beside it); counted as waiting unless it was waiting there already.</summary>
    private async Task<bool> TakeIntoLaneAsync(EgressWork work, EgressEnvelope envelope)
    {
        bool taken = await lanes.TryTakeAsync(work, envelope, queue => MoveAsync(work, queue, [], envelope.Recipients)).ConfigureAwait(false);
        if (taken && (work.Lane is null || work.Envelope is not null))
        {
            state.Backlog.Left(envelope.Partition, envelope.AcceptedAt);
        }

        return taken;
    }

    /// <summary>
    /// Sends the message with the permits it holds, then settles it. Null when it is settled; an envelope when it
    /// must be decided again: the smarthost failed before the transaction began (the egress has backed off), or
    /// another copy has delivered to some of its recipients meanwhile (the envelope of the rest).
    /// </summary>
    private async Task<EgressEnvelope?> SendAdmittedAsync(EgressWork work, EgressEnvelope envelope, IDisposable lease, SmtpConnection smtp, CancellationToken stopping)
    {
        try
        {
            return await SendWithLeaseAsync(work, envelope, lease, smtp, stopping).ConfigureAwait(false);
        }
        finally
        {
            // Whatever happened, the permits are given back once (a lease disposed of twice releases them once).
            lease.Dispose();
        }
    }

    private async Task<EgressEnvelope?> SendWithLeaseAsync(EgressWork work, EgressEnvelope envelope, IDisposable lease, SmtpConnection smtp, CancellationToken stopping)
    {
        if (state.Breaker.SuspendedUntil is not null || state.Planner.CoolingUntil(envelope.Partition) is not null)
        {
            // Banned or throttled since its permits were granted (it waited for a free connection): decided again.
            lease.Dispose();
            return envelope;
        }

        if (await smtp.EnsureConnectedAsync(envelope.Domain).ConfigureAwait(false) is { } connectFailure)
        {
            lease.Dispose();
            await BackOffAsync(connectFailure, stopping).ConfigureAwait(false);
            return envelope;
        }

        // Another copy of this message to these recipients is being sent right now (a redelivery beside
        // its original): this one waits a little, then the journal says whether anything is left to send.
        if (!journal.Index.TryClaim(envelope.Mail.Id, envelope.Recipients))
        {
            lease.Dispose();
            await DelayAsync(work, envelope, envelope.Recipients, _time.GetUtcNow(), slotted: false, envelope.Attempts, null).ConfigureAwait(false);
            return null;
        }

        if (envelope.Recipients.Any(r => journal.Index.WasDelivered(envelope.Mail.Id, r)))
        {
            // Another copy delivered to some of them since this one was read: only the rest is sent, if any.
            lease.Dispose();
            journal.Index.Release(envelope.Mail.Id, envelope.Recipients);
            return await SkipDeliveredAsync(work, envelope).ConfigureAwait(false);
        }

        try
        {
            (SendReport Report, JournalRecord Sending)? sent;

            // The permits count from the end of the transaction: the lease ends with the send, not with the settling.
            using (lease)
            {
                sent = await SendAsync(work, envelope, smtp).ConfigureAwait(false);
            }

            if (sent is not var (report, sending))
            {
                return null;
            }

            var ended = _time.GetUtcNow();
            if (report.Uncertain is { } lost)
            {
                await journal.SettledAsync(JournalRecord.Settled(sending, [], envelope.Attempts + 1, ended, "uncertain")).ConfigureAwait(false);
                await UncertainAsync(work, envelope, lost).ConfigureAwait(false);
                return null;
            }

            if (report.ConnectionFailure is { } failure)
            {
                await journal.SettledAsync(JournalRecord.Settled(sending, [], envelope.Attempts, ended, "connection-failed")).ConfigureAwait(false);
                await BackOffAsync(failure, stopping).ConfigureAwait(false);
                return envelope;
            }

            state.Gate.Succeeded();
            await SettleAsync(work, envelope, report, JournalRecord.Settled(sending, report.Accepted, envelope.Attempts + 1, ended), smtp.DirectToReceivers).ConfigureAwait(false);
            return null;
        }
        finally
        {
            journal.Index.Release(envelope.Mail.Id, envelope.Recipients);
        }
    }

    /// <summary>
    /// One SMTP transaction for the envelope, journaled as it starts; null when the message was
    /// settled without one (its MIME cannot be built) or must not be sent (the channel that would settle it is
    /// gone: the broker gives it to the next consumer, and a send now would only make a duplicate).
    /// </summary>
    private async Task<(SendReport Report, JournalRecord Sending)?> SendAsync(EgressWork work, EgressEnvelope envelope, SmtpConnection smtp)
    {
        MimeMessage message;
        try
        {
            message = MimeFactory.Create(envelope.Mail);
        }
        catch (FormatException e)
        {
            LogSettled(work.Properties.MessageId, envelope.Domain, FailureReasons.InvalidMime, e.Message);
            await ReportAsync(envelope, envelope.Recipients, DeliveryOutcomes.Failed, envelope.Attempts, reason: FailureReasons.InvalidMime, detail: e.Message).ConfigureAwait(false);
            await MoveAsync(work, QueueNames.Failed, NextHop.Reason(FailureReasons.InvalidMime, e.Message, _time.GetUtcNow())).ConfigureAwait(false);
            return null;
        }

        using (message)
        {
            if (!work.Settler.IsOpen)
            {
                return null;
            }

            if (!publisher.IsOpen)
            {
                // This owner's connection is gone, and with it its journal: a send now could not be recorded, and the
                // next owner would send again. Mail handed over by intake (its channel still open) goes back there.
                await work.Settler.RequeueAsync(work.DeliveryTag).ConfigureAwait(false);
                return null;
            }

            if (!await SignAsync(work, envelope, message).ConfigureAwait(false))
            {
                return null;
            }

            // The record goes to the broker before the first SMTP command, and its confirm is awaited with the
            // transaction rather than before it: a confirm round trip per send would cost a third of the throughput.
            var sending = JournalRecord.Sending(Guid.NewGuid().ToString("N"), envelope.Mail.Id, envelope.Mail.Tenant, envelope.Partition, envelope.Recipients.Count, _time.GetUtcNow());
            var journaled = journal.SendingAsync(sending);
            long started = services.Delivery.SendStarted(egress);
            var report = await smtp.SendAsync(message, envelope.Mail.From.Address, envelope.Recipients, envelope.Domain).ConfigureAwait(false);
            services.Delivery.SendEnded(egress, started, report.ConnectionFailure is not null);
            await journaled.ConfigureAwait(false);
            return (report, sending);
        }
    }

    /// <summary>
    /// DKIM-signs the message (its From domain's key and the relay's, when configured). A signature that cannot be made
    /// is never replaced by an unsigned send: the message waits its retry back-off, and producers are told why. False
    /// when it was settled so.
    /// </summary>
    private async Task<bool> SignAsync(EgressWork work, EgressEnvelope envelope, MimeMessage message)
    {
        if (services.Dkim is not { Enabled: true } dkim)
        {
            return true;
        }

        string from = message.From.Mailboxes.FirstOrDefault()?.Address ?? envelope.Mail.From.Address;
        try
        {
            dkim.Sign(message, EmailAddressNormalizer.DomainOf(from));
            return true;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            string detail = $"DKIM signing failed ({e.GetType().Name}: {e.Message}); not sent unsigned";
            LogSettled(work.Properties.MessageId, envelope.Domain, "dkim-signing-failed", detail);
            await RetryLaterAsync(work, envelope, envelope.Recipients, envelope.Attempts + 1, detail, DeliveryOutcomes.Deferred, earliest: null).ConfigureAwait(false);
            await work.Settler.AckAsync(work.DeliveryTag).ConfigureAwait(false);
            return false;
        }
    }

    /// <summary>
    /// Recipients the journal shows this message delivered to are not sent it again (a repeated publish,
    /// a redelivery after a crash or a lost ack): counted as <c>duplicate</c>. Returns the envelope of the
    /// rest, or null when none is left (then the copy is acked).
    /// </summary>
    private async Task<EgressEnvelope?> SkipDeliveredAsync(EgressWork work, EgressEnvelope envelope)
    {
        var undelivered = envelope.Recipients.Where(r => !journal.Index.WasDelivered(envelope.Mail.Id, r)).ToList();
        if (undelivered.Count == envelope.Recipients.Count)
        {
            return envelope;
        }

        LogDuplicate(work.Properties.MessageId, envelope.Domain, envelope.Recipients.Count - undelivered.Count);
        await ReportAsync(envelope, [.. envelope.Recipients.Except(undelivered, StringComparer.Ordinal)], DeliveryOutcomes.Duplicate, envelope.Attempts,
            detail: "delivered earlier under this id; not sent again").ConfigureAwait(false);
        if (undelivered.Count > 0)
        {
            return envelope with { Recipients = undelivered };
        }

        await work.Settler.AckAsync(work.DeliveryTag).ConfigureAwait(false);
        return null;
    }

    /// <summary>
    /// The smarthost, not this message, is the problem: keep the message (unacked, so nothing can be
    /// lost) and back the whole egress off before trying again (pauses and bans are checked again after).
    /// One log line per back-off step, whatever the number of senders that saw it; the stack at debug.
    /// </summary>
    private async Task BackOffAsync(Exception failure, CancellationToken stopping)
    {
        var fault = SmarthostException.From(failure);
        var backoff = state.Gate.Failed($"{fault.Kind}: {fault.Message}", out bool closedAnew);
        services.Delivery.SmarthostFailed(egress, fault.Kind);
        if (closedAnew)
        {
            LogConnectionFailure(egress, fault.Kind, fault.Message, backoff.TotalSeconds);
            LogConnectionFailureDetail(failure);
        }

        state.Limiters.WarmUp.AfterOutage(state.Gate.Outage, state.Gate.ClosedUntil);

        await state.Gate.WaitOpenAsync(stopping).ConfigureAwait(false);
    }

    /// <summary>
    /// Recipients (or a sender) the SMTP library cannot put on the wire fail alone, with reason
    /// <c>invalid-address</c>; returns the envelope of the rest, or null when nothing is left to send.
    /// </summary>
    private async Task<EgressEnvelope?> SetAsideUnsendableAsync(EgressWork work, EgressEnvelope envelope)
    {
        bool senderOk = EnvelopeAddresses.IsSendable(envelope.Mail.From.Address);
        var unsendable = senderOk ? envelope.Recipients.Where(r => !EnvelopeAddresses.IsSendable(r)).ToList() : [.. envelope.Recipients];
        if (unsendable.Count == 0)
        {
            return envelope;
        }

        string detail = senderOk
            ? $"not a sendable address: {string.Join(", ", unsendable.Select(a => PrintableText.Escape(a, 100)))}"
            : $"the sender {PrintableText.Escape(envelope.Mail.From.Address, 100)} is not a sendable address";
        LogSettled(work.Properties.MessageId, envelope.Domain, FailureReasons.InvalidAddress, detail);
        await Task.WhenAll(
            PublishCopyAsync(work, QueueNames.Failed, unsendable, NextHop.Reason(FailureReasons.InvalidAddress, detail, _time.GetUtcNow())),
            ReportAsync(envelope, unsendable, DeliveryOutcomes.Failed, envelope.Attempts, reason: FailureReasons.InvalidAddress, detail: detail)).ConfigureAwait(false);
        var rest = envelope.Recipients.Except(unsendable, StringComparer.Ordinal).ToList();
        if (rest.Count == 0)
        {
            await work.Settler.AckAsync(work.DeliveryTag).ConfigureAwait(false);
            return null;
        }

        return envelope with { Recipients = rest };
    }
}
