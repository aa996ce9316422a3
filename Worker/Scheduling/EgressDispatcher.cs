using System.Diagnostics;
using Microsoft.Extensions.Logging;
using MimeKit;
using RabbitMQ.Client;
using Sluice.Contracts.Events;
using Sluice.Contracts.Validation;
using Sluice.Worker.Classification;
using Sluice.Worker.Control;
using Sluice.Worker.Delivery;
using Sluice.Worker.Journal;
using Sluice.Worker.Retry;
using Sluice.Worker.Sending;
using Sluice.Worker.Settlement;
using Sluice.Worker.Status;
using Sluice.Worker.Telemetry;
using Sluice.Worker.Topology;

namespace Sluice.Worker.Scheduling;

/// <summary>
/// Decides and settles one egress message: wait (delay tier) if it is not due, if its
/// domain is cooling down or over budget; otherwise send it, classify each recipient's reply, and
/// settle: publish what is left to do (delay tier, <c>mail.failed</c>, <c>mail.parked</c>) with
/// confirms, then ack. An over-budget message never holds a prefetch slot waiting: it leaves for the
/// tier that brings it back near its slot, and the other domains keep flowing.
/// </summary>
public sealed partial class EgressDispatcher(
    string egress,
    EgressServices services,
    EgressLimiters limiters,
    SlotPlanner planner,
    EgressGate gate,
    EgressBreaker breaker,
    DomainBacklog backlog,
    PartitionActivity recent,
    HopPublisher publisher,
    WaitingLanes lanes,
    DeliveryJournal journal,
    DeliveryEvents events,
    ILogger logger)
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
            backlog.Returned(envelope.Partition, envelope.AcceptedAt);
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
            services.Delivery.Settled(egress, null, "?", "failed", 1);
            await MoveAsync(work, QueueNames.Failed, NextHop.Reason(FailureReasons.InvalidEnvelope, problem ?? "unreadable", _time.GetUtcNow())).ConfigureAwait(false);
            return null;
        }

        // Waiting ends when a message comes back from the tiers, or leaves its lane (with a permit, or handed back
        // by the lane to be settled here); one just read from its lane into the owner's hands still waits.
        if (work.FromDue || work.Envelope is not null)
        {
            backlog.Returned(envelope.Partition, envelope.AcceptedAt);
        }
        else
        {
            backlog.Seen(envelope.Partition);
        }

        return await SetAsideUnsendableAsync(work, envelope).ConfigureAwait(false) is { } sendable
            ? await SkipDeliveredAsync(work, sendable).ConfigureAwait(false)
            : null;
    }

    /// <summary>
    /// Decides what to do with the message now: the permits of its limit chain to send it, or (null) it was
    /// settled otherwise: parked, moved to its partition's waiting lane, or sent to the tiers to wait.
    /// </summary>
    private async Task<IDisposable?> AdmitAsync(EgressWork work, EgressEnvelope envelope, SmtpConnection smtp, CancellationToken stopping)
    {
        while (true)
        {
            var now = _time.GetUtcNow();
            if (envelope.Mail.NotAfter is { } notAfter && now >= notAfter)
            {
                await ParkAsync(work, envelope, envelope.Recipients, FailureReasons.Expired, $"notAfter {notAfter:O} has passed").ConfigureAwait(false);
                return null;
            }

            bool egressHeld = services.Pauses.IsPaused(new ControlTarget(ControlTargetKind.Egress, egress)) || breaker.SuspendedUntil is not null;
            if (work.Lane is not null && egressHeld && await TakeIntoLaneAsync(work, envelope).ConfigureAwait(false))
            {
                // Paused or suspended as a whole: mail already in a lane stays there, it does not go round the tiers.
                return null;
            }

            if (services.Pauses.Holds(egress, envelope.Domain, envelope.Provider))
            {
                // Paused by an operator: the mail waits in the tiers, and looks again after a while.
                await DelayAsync(work, envelope, envelope.Recipients, now + services.PausedRecheck, slotted: false, envelope.Attempts, null).ConfigureAwait(false);
                return null;
            }

            if (breaker.SuspendedUntil is { } suspendedUntil)
            {
                // Banned: nothing is sent from this egress until the suspension ends; the mail waits (in the
                // due queue, which is not consumed meanwhile, so a resume by hand releases it at once).
                await DelayAsync(work, envelope, envelope.Recipients, Earliest(suspendedUntil, now + services.PausedRecheck), slotted: false, envelope.Attempts, null).ConfigureAwait(false);
                return null;
            }

            if (limiters.LargestTransaction(envelope.Partition, envelope.Mail.Tenant) is int largest && envelope.Recipients.Count > largest)
            {
                // More recipients than the limits allow in one window now (a throttle cut them): one transaction
                // may never overrun its limit, so the copy goes on as several smaller ones.
                await SplitAsync(work, envelope, largest).ConfigureAwait(false);
                return null;
            }

            // A retry's back-off still to wait out: the tiers (the wait is the message's own, not its partition's).
            if (envelope.NotBefore - now >= services.Tiers.Shortest && !envelope.Slotted)
            {
                await DelayAsync(work, envelope, envelope.Recipients, envelope.NotBefore!.Value, slotted: false, envelope.Attempts, null).ConfigureAwait(false);
                return null;
            }

            var cooling = planner.CoolingUntil(envelope.Partition);
            if ((cooling is not null || work.Lane is not null || lanes.HasLane(envelope.Partition))
                && await TakeIntoLaneAsync(work, envelope).ConfigureAwait(false))
            {
                // Its partition is cooling down, or has mail waiting already: it queues there too (transactional
                // mail goes ahead of bulk), and leaves the egress queue free for the other partitions.
                return null;
            }

            var waitUntil = Moments.Latest(envelope.NotBefore, cooling);
            if (waitUntil - now >= services.Tiers.Shortest)
            {
                await DelayAsync(work, envelope, envelope.Recipients, waitUntil!.Value, envelope.Slotted && waitUntil == envelope.NotBefore, envelope.Attempts, null).ConfigureAwait(false);
                return null;
            }

            if (waitUntil > now)
            {
                // Back from the tiers a little early (they come in fixed lengths): wait out the rest here,
                // less than the shortest tier, rather than go round once more and come back that much late.
                await Task.Delay(waitUntil.Value - now, _time, stopping).ConfigureAwait(false);
            }

            await gate.WaitOpenAsync(stopping).ConfigureAwait(false);
            if (await smtp.EnsureConnectedAsync().ConfigureAwait(false) is { } connectFailure)
            {
                await BackOffAsync(connectFailure, stopping).ConfigureAwait(false);
                continue;
            }

            var admission = await limiters.AdmitAsync(envelope.Partition, envelope.Mail.Tenant, envelope.Recipients.Count, stopping).ConfigureAwait(false);
            if (admission is Admission.Granted granted)
            {
                return granted.Lease;
            }

            if (admission is Admission.RateLimited soon && envelope.Slotted && soon.RetryAfter < services.Tiers.Shortest)
            {
                // Its slot has come and the permit is moments away (the sends before it ran a little late):
                // wait that out here rather than go round the shortest tier and come back late.
                await Task.Delay(soon.RetryAfter, _time, stopping).ConfigureAwait(false);
                continue;
            }

            if (admission is Admission.RateLimited refused)
            {
                services.Scheduling.Denied(egress, refused.Level, refused.RetryAfter);
            }

            if (await TakeIntoLaneAsync(work, envelope).ConfigureAwait(false))
            {
                // Not now: it waits in its partition's lane, read at the permitted rate (one publish, whatever the wait).
                return null;
            }

            if (admission is Admission.RateLimited limited)
            {
                // No lane free: leave for the tier that brings it back near the next free slot of the level that refused.
                var slot = planner.Reserve(limited.Level, envelope.Recipients.Count, limited.Limiter, envelope.Slotted ? envelope.NotBefore : null);
                await DelayAsync(work, envelope, envelope.Recipients, slot, slotted: true, envelope.Attempts, null).ConfigureAwait(false);
                return null;
            }

            // Busy (as many transactions open as the partition allows) and no lane free: round the shortest tier.
            await DelayAsync(work, envelope, envelope.Recipients, envelope.NotBefore ?? now, envelope.Slotted, envelope.Attempts, null).ConfigureAwait(false);
            return null;
        }
    }

    /// <summary>Into the partition's lane (moved there, or held beside it); counted as waiting unless it was waiting there already.</summary>
    private async Task<bool> TakeIntoLaneAsync(EgressWork work, EgressEnvelope envelope)
    {
        bool taken = await lanes.TryTakeAsync(work, envelope, queue => MoveAsync(work, queue, [], envelope.Recipients)).ConfigureAwait(false);
        if (taken && (work.Lane is null || work.Envelope is not null))
        {
            backlog.Left(envelope.Partition, envelope.AcceptedAt);
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
        if (breaker.SuspendedUntil is not null || planner.CoolingUntil(envelope.Partition) is not null)
        {
            // Banned or throttled since its permits were granted (it waited for a free connection): decided again.
            lease.Dispose();
            return envelope;
        }

        if (await smtp.EnsureConnectedAsync().ConfigureAwait(false) is { } connectFailure)
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

            gate.Succeeded();
            await SettleAsync(work, envelope, report, JournalRecord.Settled(sending, report.Accepted, envelope.Attempts + 1, ended)).ConfigureAwait(false);
            return null;
        }
        finally
        {
            journal.Index.Release(envelope.Mail.Id, envelope.Recipients);
        }
    }

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

            // The record goes to the broker before the first SMTP command, and its confirm is awaited with the
            // transaction rather than before it: a confirm round trip per send would cost a third of the throughput.
            var sending = JournalRecord.Sending(Guid.NewGuid().ToString("N"), envelope.Mail.Id, envelope.Mail.Tenant, envelope.Partition, envelope.Recipients.Count, _time.GetUtcNow());
            var journaled = journal.SendingAsync(sending);
            long started = services.Delivery.SendStarted(egress);
            var report = await smtp.SendAsync(message, envelope.Mail.From.Address, envelope.Recipients).ConfigureAwait(false);
            services.Delivery.SendEnded(egress, started, report.ConnectionFailure is not null);
            await journaled.ConfigureAwait(false);
            return (report, sending);
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
        var backoff = gate.Failed($"{fault.Kind}: {fault.Message}", out bool closedAnew);
        services.Delivery.SmarthostFailed(egress, fault.Kind);
        if (closedAnew)
        {
            LogConnectionFailure(egress, fault.Kind, fault.Message, backoff.TotalSeconds);
            LogConnectionFailureDetail(failure);
        }

        limiters.WarmUp.AfterOutage(gate.Outage, gate.ClosedUntil);

        await gate.WaitOpenAsync(stopping).ConfigureAwait(false);
    }

    private async Task SettleAsync(EgressWork work, EgressEnvelope envelope, SendReport report, JournalRecord settled)
    {
        int attempts = envelope.Attempts + 1;
        var hops = new List<Task>();
        hops.Add(ReportAsync(envelope, report.Accepted, DeliveryOutcomes.Delivered, attempts));
        foreach (var group in report.Refused.GroupBy(r => services.Classifier.Classify(r.Reply)))
        {
            var classification = group.Key;
            var recipients = group.Select(r => r.Recipient).ToList();
            string detail = classification.Reply.ToString();
            string shown = PrintableText.Escape(detail, 1000);
            Count(envelope, classification.Outcome switch
            {
                DeliveryOutcome.SplitAndRetry => "split",
                var outcome => outcome.ToString().ToLowerInvariant(),
            }, recipients.Count);
            switch (classification.Outcome)
            {
                case DeliveryOutcome.Failed:
                    LogSettled(work.Properties.MessageId, envelope.Domain, FailureReasons.Rejected, detail);
                    hops.Add(PublishCopyAsync(work, QueueNames.Failed, recipients, [.. NextHop.Reason(FailureReasons.Rejected, detail, _time.GetUtcNow()), new(MailHeaders.Attempts, (long)attempts)]));
                    hops.Add(events.PublishAsync(envelope, recipients, DeliveryOutcomes.Failed, attempts, reply: detail, reason: FailureReasons.Rejected));
                    break;
                case DeliveryOutcome.Throttled:
                    var coolUntil = _time.GetUtcNow() + (classification.CoolDown ?? ThrottleCoolDown(envelope.Partition));
                    planner.CoolDown(envelope.Partition, coolUntil);
                    limiters.Throttled(envelope.Partition);
                    LogThrottled(envelope.Partition, shown, coolUntil);
                    // A throttle is about the rate, not this message: it goes back onto the partition's slot plan
                    // (after the cool-down, at the cut rate) rather than on an exponential backoff.
                    hops.Add(RetryLaterAsync(work, envelope, recipients, attempts, detail, DeliveryOutcomes.Throttled, earliest: coolUntil, onSlot: true));
                    break;
                case DeliveryOutcome.SplitAndRetry when recipients.Count > 1:
                    // Two halves, each its own message with its own permits, back after the shortest tier.
                    int half = recipients.Count / 2;
                    var now = _time.GetUtcNow();
                    hops.Add(PublishDelayedCopyAsync(work, envelope, recipients[..half], now, slotted: false, envelope.Attempts, detail));
                    hops.Add(PublishDelayedCopyAsync(work, envelope, recipients[half..], now, slotted: false, envelope.Attempts, detail));
                    hops.Add(events.PublishAsync(envelope, recipients, DeliveryOutcomes.Deferred, attempts, reply: detail, detail: "too many recipients in one transaction: sent again as two", next: now));
                    break;
                case DeliveryOutcome.SplitAndRetry:
                    hops.Add(RetryLaterAsync(work, envelope, recipients, attempts, detail, DeliveryOutcomes.Deferred, earliest: null));
                    break;
                case DeliveryOutcome.Banned when classification.Scope == BanScope.Partition:
                    // The receiver bans this sender for the mail it hosts: that partition stops (its lane waits), nobody else's mail does.
                    var partitionUntil = _time.GetUtcNow() + (classification.CoolDown ?? services.Retry.BanSuspension);
                    planner.Suspend(envelope.Partition, partitionUntil);
                    LogPartitionBanned(egress, envelope.Partition, shown, partitionUntil);
                    services.Scheduling.Suspended(egress, envelope.Partition);
                    hops.Add(journal.SuspendedAsync(_time.GetUtcNow(), partitionUntil, envelope.Partition));
                    hops.Add(RetryLaterAsync(work, envelope, recipients, attempts, detail, DeliveryOutcomes.Banned, earliest: null,
                        latest: Earliest(partitionUntil, _time.GetUtcNow() + services.PausedRecheck)));
                    break;
                case DeliveryOutcome.Banned:
                    var suspendedUntil = _time.GetUtcNow() + (classification.CoolDown ?? services.Retry.BanSuspension);
                    if (breaker.Trip(suspendedUntil))
                    {
                        LogBanned(egress, shown, suspendedUntil);
                        services.Scheduling.Suspended(egress);
                    }

                    // A new owner keeps the suspension instead of sending into the ban.
                    hops.Add(journal.SuspendedAsync(_time.GetUtcNow(), suspendedUntil));

                    // When the suspension ends, the egress comes back on the warm-up ramp.
                    limiters.WarmUp.Begin(suspendedUntil);

                    hops.Add(RetryLaterAsync(work, envelope, recipients, attempts, detail, DeliveryOutcomes.Banned, earliest: null, latest: Earliest(suspendedUntil, _time.GetUtcNow() + services.PausedRecheck)));
                    break;
                case DeliveryOutcome.Deferred:
                    hops.Add(RetryLaterAsync(work, envelope, recipients, attempts, detail, DeliveryOutcomes.Deferred, earliest: null));
                    break;
                case DeliveryOutcome.Delivered:
                    break;
            }
        }

        if (report.Accepted.Count > 0)
        {
            limiters.Delivered(envelope.Partition);
            recent.Delivered(envelope.Partition, report.Accepted.Count);
        }

        if ((report.Refused.Count > 0 ? report.Refused[^1].Reply : report.Reply) is { } last)
        {
            recent.Replied(envelope.Partition, PrintableText.Escape(last.ToString(), 200));
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
        EgressWork work, EgressEnvelope envelope, List<string> recipients, int attempts, string reply, string outcome,
        DateTimeOffset? earliest, DateTimeOffset? latest = null, bool onSlot = false)
    {
        var decision = services.RetryPolicy.Next(attempts, envelope.AcceptedAt, envelope.Mail.NotAfter, Random.Shared);
        if (decision.At is not { } at)
        {
            return PublishParkedCopyAsync(work, envelope, recipients, decision.Reason!, $"{decision.Detail}; last reply: {reply}", attempts, reply);
        }

        DateTimeOffset notBefore;
        var limiter = onSlot ? limiters.PartitionLimiter(envelope.Partition) : null;
        if (limiter is not null)
        {
            notBefore = Moments.Latest(planner.Reserve(envelope.Partition, recipients.Count, limiter), earliest)!.Value;
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
        backlog.Left(envelope.Partition, envelope.AcceptedAt);
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
        Count(envelope, outcome, recipients.Count);
        return events.PublishAsync(envelope, recipients, outcome, attempt, reply, reason, detail);
    }

    private void Count(EgressEnvelope envelope, string outcome, int recipients)
    {
        if (recipients > 0)
        {
            services.Delivery.Settled(egress, envelope.Provider, envelope.Domain, outcome, recipients);
            Activity.Current?.AddEvent(new ActivityEvent(outcome, tags: new ActivityTagsCollection { ["recipients"] = recipients }));
        }
    }

    /// <summary>The default pause after a throttle: <c>Retry:ThrottleCoolDownWindows</c> of the partition's window, at most <c>Retry:ThrottleCoolDown</c>.</summary>
    private TimeSpan ThrottleCoolDown(string partition)
    {
        var ceiling = services.Retry.ThrottleCoolDown;
        double windows = services.Retry.ThrottleCoolDownWindows;
        return windows > 0 && limiters.PartitionLimiter(partition) is { } limiter && limiter.Window * windows < ceiling ? limiter.Window * windows : ceiling;
    }

    private static DateTimeOffset Earliest(DateTimeOffset a, DateTimeOffset b) => a < b ? a : b;


    [LoggerMessage(Level = LogLevel.Warning, Message = "Message {MessageId} to {Domain}: the connection failed after the receiver accepted it ({Uncertain} of {Retries} uncertain sends allowed); trying again after the back-off.")]
    private partial void LogUncertain(string? messageId, string domain, int uncertain, int retries);

    [LoggerMessage(Level = LogLevel.Information, Message = "Message {MessageId} to {Domain}: {Count} recipients already had it (delivery journal); not sent again.")]
    private partial void LogDuplicate(string? messageId, string domain, int count);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Message {MessageId} to {Domain}: {Accepted} accepted, {Refused} refused.")]
    private partial void LogSent(string? messageId, string domain, int accepted, int refused);

    /// <summary>Receivers' replies and producers' ids reach the log escaped: a multi-line reply must not forge log lines.</summary>
    private void LogSettled(string? messageId, string domain, string reason, string? detail) =>
        LogSettledEscaped(PrintableText.Escape(messageId, 200), domain, reason, PrintableText.Escape(detail, 1000));

    [LoggerMessage(Level = LogLevel.Warning, Message = "Message {MessageId} to {Domain}: {Reason}: {Detail}")]
    private partial void LogSettledEscaped(string messageId, string domain, string reason, string detail);

    [LoggerMessage(Level = LogLevel.Critical, Message = "Egress {Egress} is BANNED by a receiver ({Reply}). Every send of this egress stops until {Until:O} (or `sluice resume egress:{Egress}`); no mail is failed, all of it waits.")]
    private partial void LogBanned(string egress, string reply, DateTimeOffset until);

    [LoggerMessage(Level = LogLevel.Critical, Message = "Egress {Egress}: {Partition} BANS this sender ({Reply}). Nothing more goes to it until {Until:O} (or `sluice resume` of it); the rest of the egress goes on, and its mail waits.")]
    private partial void LogPartitionBanned(string egress, string partition, string reply, DateTimeOffset until);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Domain} throttles ({Reply}); pausing it until {Until:O}.")]
    private partial void LogThrottled(string domain, string reply, DateTimeOffset until);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Egress {Egress}: smarthost fault {Kind}: {Detail}; every send waits {Seconds:0.#} s, no mail is failed.")]
    private partial void LogConnectionFailure(string egress, string kind, string detail, double seconds);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Smarthost fault detail.")]
    private partial void LogConnectionFailureDetail(Exception exception);
}
