using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;
using Sluice.Contracts.Validation;
using Sluice.Worker.Broker;
using Sluice.Worker.Delivery;
using Sluice.Worker.Journal;
using Sluice.Worker.Control;
using Sluice.Worker.Sending;
using Sluice.Worker.Settlement;
using Sluice.Worker.Status;
using Sluice.Worker.Topology;

namespace Sluice.Worker.Scheduling;

/// <summary>
/// One tenure as the owner of an egress: consume its due and fresh queues, hand deliveries to one
/// sender per SMTP connection, and on shutdown drain in order (as Wolverine's RabbitMQ consumer does): stop
/// consuming, requeue what was not started, finish the sends in flight, settle, close.
/// Ends when stopping is requested or the broker connection is lost.
/// </summary>
internal sealed partial class EgressSession(
    string egress,
    IConnection connection,
    EgressServices services,
    IOptions<LimitOptions> limits,
    IOptions<SmtpOptions> smtp,
    IOptions<SchedulerOptions> scheduler,
    IOptions<BrokerOptions> broker,
    TopologyOptions topology,
    LocalOwners owners,
    ILogger logger,
    string? fallback = null)
{
    private readonly int _deliveryLimit = topology.EgressDeliveryLimit;
    private volatile bool _stopping;

    public async Task RunAsync(CancellationToken stoppingToken)
    {
        var lost = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        connection.ConnectionShutdownAsync += (_, _) =>
        {
            lost.TrySetResult();
            return Task.CompletedTask;
        };

        using var limiters = new EgressLimiters(limits, services.Time);
        var planner = new SlotPlanner(services.Time, limiters.WarmUp);
        var gate = new EgressGate(services.RetryOptions, services.Time);
        var breaker = new EgressBreaker(services.Time);
        await using var publisher = await HopPublisher.CreateAsync(connection, broker.Value.PublishTimeout, stoppingToken).ConfigureAwait(false);
        await using var events = new DeliveryEvents(egress, publisher, services.Time);
        await using var journal = new DeliveryJournal(egress, publisher, new DeliveryIndex(topology.JournalMaxAge, services.Time), services.Delivery);
        var (takeover, openLanes) = await TakeOverAsync(journal, limiters, breaker, planner, stoppingToken).ConfigureAwait(false);
        await using var channel = await connection.CreateChannelAsync(cancellationToken: stoppingToken).ConfigureAwait(false);
        using var acknowledger = new Acknowledger(channel);
        await channel.BasicQosAsync(0, scheduler.Value.Prefetch, global: false, stoppingToken).ConfigureAwait(false);

        var work = Channel.CreateUnbounded<EgressWork>(new UnboundedChannelOptions { SingleWriter = true });
        var consumer = new AsyncEventingBasicConsumer(channel);
        consumer.ReceivedAsync += async (_, delivery) =>
        {
            if (_stopping)
            {
                await acknowledger.RequeueAsync(delivery.DeliveryTag).ConfigureAwait(false);
                return;
            }

            // The body buffer belongs to the client library only until this callback returns.
            // Dead-lettered mail arrives with the due queue's name as its routing key.
            bool fromDue = delivery.RoutingKey == QueueNames.Due(egress);
            work.Writer.TryWrite(new EgressWork(delivery.Body.ToArray(), delivery.BasicProperties, delivery.DeliveryTag, fromDue, acknowledger));
        };

        // Fresh transactional mail held beside the lanes is unacknowledged egress mail: at most half the prefetch.
        await using var lanes = new WaitingLanes(egress, connection, scheduler.Value.Lanes, topology, services, limiters, planner, gate, breaker, journal,
            work.Writer, scheduler.Value.Prefetch / 2, logger, fallback);
        await lanes.StartAsync(openLanes, stoppingToken).ConfigureAwait(false);

        var backlog = new DomainBacklog();
        var activity = new PartitionActivity(services.Time);
        var state = new EgressState(limiters, planner, gate, breaker, backlog, activity);
        var dispatcher = new EgressDispatcher(egress, services, state, publisher, lanes, journal, events, logger, fallback);
        using var reporting = new CancellationTokenSource();
        var status = new StatusReporter(egress, services, limits.Value, state, publisher, scheduler.Value.StatusInterval, takeover, lanes.Waiting);
        var reporter = status.RunAsync(reporting.Token);
        using var gauges = services.Scheduling.Own(egress, status.Snapshot, lanes.Queues);
        services.Delivery.Owning(egress);
        // Mode Mx: the senders share their idle connections per MX host (at most one idle per sender).
        await using var mxPool = smtp.Value.Mode == SmtpMode.Mx ? new MxConnectionPool(smtp.Value.Connections, smtp.Value.MxIdleTimeout, services.Time) : null;
        var senders = Enumerable.Range(0, smtp.Value.Connections)
            .Select(_ => SendLoopAsync(work.Reader, dispatcher, publisher, mxPool, stoppingToken))
            .ToList();

        // A paused egress stops consuming, so its mail stays where it is instead of circling the tiers.
        using var consumers = new EgressConsumers(channel, consumer, egress, services.Pauses, breaker, () => _stopping, fallback is not null);

        // This worker's intake hands fresh mail for the egress straight to the senders while they take mail as the consumers above do.
        // Not while the smarthost fails: that mail waits in the egress queue, counted there, as the rest of the egress's mail.
        using var door = new OwnerDoor(work.Writer, smtp.Value.Connections, () => consumers.Wanted && !gate.Failing && connection.IsOpen);
        using var tenure = owners.Open(egress, door);
        void OnBreaker()
        {
            consumers.Sync();
            if (breaker.SuspendedUntil is { } until)
            {
                // Consume again when the suspension ends by itself.
                _ = Task.Delay(until - services.Time.GetUtcNow(), services.Time, stoppingToken)
                    .ContinueWith(_ => consumers.Sync(), TaskScheduler.Default);
            }
        }

        void OnControl(ControlEvent controlEvent)
        {
            if (controlEvent.Paused)
            {
                return;
            }

            if (!controlEvent.RetryNow && controlEvent.Target == new ControlTarget(ControlTargetKind.Egress, egress).ToString())
            {
                if (breaker.Reset(controlEvent.At))
                {
                    // Resumed by hand: back on the warm-up ramp, not at full speed.
                    limiters.WarmUp.Begin(services.Time.GetUtcNow());
                }

                return;
            }

            if (ControlTarget.Parse(controlEvent.Target, []).Partition is not { } partition)
            {
                return;
            }

            if (controlEvent.RetryNow)
            {
                if (planner.EndCoolDown(partition, controlEvent.At))
                {
                    // Its lane sends again at once (the cool-down was the only thing it waited for).
                    lanes.NudgeAll();
                }
            }
            else if (planner.Lift(partition, controlEvent.At))
            {
                // A receiver's ban lifted by hand: its lane sends again, on the warm-up ramp.
                limiters.RampAfterBan(partition, services.Time.GetUtcNow());
                lanes.NudgeAll();
            }
        }

        breaker.Changed += OnBreaker;
        breaker.Changed += lanes.NudgeAll;
        breaker.Changed += door.Recheck;
        gate.Changed += door.Recheck;
        services.Pauses.Changed += door.Recheck;
        services.Pauses.Changed += consumers.Sync;
        services.Pauses.Changed += lanes.NudgeAll;
        services.Pauses.Applied += OnControl;
        try
        {
            await consumers.SyncAsync(stoppingToken).ConfigureAwait(false);
            LogOwning(egress, smtp.Value.Connections);
            await Task.WhenAny(lost.Task, lanes.Lost, Task.Delay(Timeout.Infinite, stoppingToken)).ConfigureAwait(false);
            if (lanes.Lost.IsCompleted && !lost.Task.IsCompleted && !stoppingToken.IsCancellationRequested)
            {
                LogLanesLost(egress);
            }

            _stopping = true;
            tenure.Dispose();
            if (!lost.Task.IsCompleted)
            {
                await consumers.SyncAsync(CancellationToken.None).ConfigureAwait(false);
            }
        }
        finally
        {
            services.Pauses.Changed -= consumers.Sync;
            services.Pauses.Changed -= lanes.NudgeAll;
            services.Pauses.Applied -= OnControl;
            breaker.Changed -= OnBreaker;
            breaker.Changed -= lanes.NudgeAll;
            breaker.Changed -= door.Recheck;
            gate.Changed -= door.Recheck;
            services.Pauses.Changed -= door.Recheck;
        }

        // Status stops first: its last snapshot still counts the lanes' mail, which the next owner reads to find the lanes
        // when its journal does not name them. Then the pumps stop handing out work before the senders are told there is no more.
        await reporting.CancelAsync().ConfigureAwait(false);
        await reporter.ConfigureAwait(false);
        await lanes.StopAsync().ConfigureAwait(false);
        work.Writer.TryComplete();
        await Task.WhenAll(senders).ConfigureAwait(false);
        LogReleased(egress, lost.Task.IsCompleted ? "the broker connection was lost" : "shutting down");
        if (!lost.Task.IsCompleted)
        {
            await channel.CloseAsync(CancellationToken.None).ConfigureAwait(false);
        }
    }

    private async Task SendLoopAsync(ChannelReader<EgressWork> reader, EgressDispatcher dispatcher, HopPublisher publisher, MxConnectionPool? mxPool, CancellationToken stoppingToken)
    {
        await using var connectionToSmarthost = new SmtpConnection(smtp.Value, services.Mx, services.MtaSts, mxPool);
        await foreach (var item in reader.ReadAllAsync(CancellationToken.None).ConfigureAwait(false))
        {
            if (_stopping)
            {
                // Not started: give it back untouched rather than make shutdown wait for it.
                item.Lease?.Dispose();
                await item.Settler.RequeueAsync(item.DeliveryTag).ConfigureAwait(false);
                continue;
            }

            try
            {
                await dispatcher.HandleAsync(item, connectionToSmarthost, stoppingToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                await UnsettledAsync(item, e, publisher).ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// Learns from the journal what the previous owners delivered (so no recipient gets a message twice), how
    /// much of every window they used (so the limits hold across the hand-over without a blind hold) and
    /// whether a ban suspension is running, and which waiting lanes hold mail. A journal that cannot be read is not a reason to stop delivering:
    /// the owner holds every window for one window instead, and says so. Returns how the takeover went, for status.
    /// </summary>
    private async Task<(string Takeover, IReadOnlyCollection<string> OpenLanes)> TakeOverAsync(
        DeliveryJournal journal, EgressLimiters limiters, EgressBreaker breaker, SlotPlanner planner, CancellationToken stoppingToken)
    {
        var now = services.Time.GetUtcNow();
        var since = now - topology.JournalMaxAge;
        var replay = new JournalReplay(journal.Index, smtp.Value.TransactionBound);
        long started = System.Diagnostics.Stopwatch.GetTimestamp();
        try
        {
            int read = await journal.ReplayAsync(connection, replay, since, TimeSpan.FromMinutes(2), stoppingToken).ConfigureAwait(false);
            double seconds = System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalSeconds;
            limiters.TakeOver(replay.Charges(services.Time.GetUtcNow()), replay.LastSend);
            if (replay.Suspension is { Until: { } until } suspension && DateTimeOffset.FromUnixTimeMilliseconds(until) is var end && end > now)
            {
                breaker.Trip(end, suspension.Time);
                limiters.WarmUp.Begin(end);
            }

            foreach (var (partition, bannedUntil) in replay.PartitionSuspensions.Where(p => p.Value > now))
            {
                planner.Suspend(partition, bannedUntil, now);
                limiters.RampAfterBan(partition, bannedUntil);
            }

            LogJournalReplayed(egress, read, replay.Transactions, journal.Index.Count, seconds);
            return ($"journal: {replay.Transactions} transactions read in {seconds:0.#} s", [.. replay.OpenLanes.Union(await WaitingInLastStatusAsync(stoppingToken).ConfigureAwait(false))]);
        }
        catch (Exception e) when (e is TimeoutException or RabbitMQ.Client.Exceptions.OperationInterruptedException or RabbitMQ.Client.Exceptions.PublishException)
        {
            limiters.HoldWindowsFromNow();
            LogJournalUnreadable(egress, e.GetType().Name, PrintableText.Escape(e.Message));
            return ($"hold: the journal could not be read ({e.GetType().Name})", await WaitingInLastStatusAsync(stoppingToken).ConfigureAwait(false));
        }
    }

    /// <summary>
    /// The partitions the previous owner's last status snapshot showed mail waiting for. Their lanes are read too, beside
    /// those the journal names, so a journal that lost its lane records (unreadable, deleted, or aged out) strands no
    /// lane's mail; a lane opened for a partition with nothing left in it closes again when idle.
    /// </summary>
    private async Task<IReadOnlyCollection<string>> WaitingInLastStatusAsync(CancellationToken stoppingToken)
    {
        try
        {
            var last = await StatusReader.PeekAsync(connection, egress, stoppingToken).ConfigureAwait(false);
            return last is null ? [] : [.. last.Domains.Where(d => d.Waiting > 0).Select(d => d.Domain)];
        }
        catch (Exception e) when (e is RabbitMQ.Client.Exceptions.OperationInterruptedException or System.Text.Json.JsonException)
        {
            return [];
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Egress {Egress}: read {Records} delivery journal records ({Transactions} transactions, {Pairs} message-recipient pairs) in {Seconds:0.##} s; the limits start from what they show.")]
    private partial void LogJournalReplayed(string egress, int records, int transactions, int pairs, double seconds);

    [LoggerMessage(Level = LogLevel.Error, Message = "Egress {Egress}: the delivery journal could not be read ({Error}: {Message}); sending without it: every window is held for one window, and mail sent just before this takeover may be sent again.")]
    private partial void LogJournalUnreadable(string egress, string error, string message);

    /// <summary>
    /// Not settled: requeue it, unless this was its last try before the queue's delivery limit; then it goes
    /// to <c>mail.failed</c> from here, with the error as its reason's detail, instead of being dead-lettered
    /// by the broker without a word.
    /// </summary>
    private async Task UnsettledAsync(EgressWork item, Exception e, HopPublisher publisher)
    {
        LogUnsettled(PrintableText.Escape(item.Properties.MessageId, 200), e.GetType().Name, PrintableText.Escape(e.Message));
        LogUnsettledDetail(e);
        if (!DeliveryLimits.IsLastTry(item.Properties, _deliveryLimit))
        {
            await item.Settler.RequeueAsync(item.DeliveryTag).ConfigureAwait(false);
            return;
        }

        string detail = $"the worker could not settle it in {_deliveryLimit} tries; last error: {e.GetType().Name}: {e.Message}";
        try
        {
            await publisher.PublishAsync(QueueNames.Failed, item.Body,
                NextHop.From(item.Properties, NextHop.Reason(FailureReasons.DeliveryLimit, detail, services.Time.GetUtcNow())), CancellationToken.None).ConfigureAwait(false);
            services.Delivery.Settled(egress, null, MailHeaders.GetString(item.Properties.Headers, MailHeaders.Domain) ?? "?", "failed", 1, FailureReasons.DeliveryLimit);
            await item.Settler.AckAsync(item.DeliveryTag).ConfigureAwait(false);
        }
        catch (Exception publish) when (publish is not OutOfMemoryException)
        {
            // The broker's own dead-lettering at the limit is the last resort (inspect reads its reason too).
            LogUnsettledDetail(publish);
            await item.Settler.RequeueAsync(item.DeliveryTag).ConfigureAwait(false);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Egress {Egress}: the channel its waiting lanes are read on closed; the owner starts afresh (their mail is delivered again).")]
    private partial void LogLanesLost(string egress);

    [LoggerMessage(Level = LogLevel.Information, Message = "This worker now owns egress {Egress} ({Connections} SMTP connections).")]
    private partial void LogOwning(string egress, int connections);

    [LoggerMessage(Level = LogLevel.Information, Message = "Released egress {Egress}: {Why}.")]
    private partial void LogReleased(string egress, string why);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Message {MessageId} could not be settled ({Error}: {Message}).")]
    private partial void LogUnsettled(string messageId, string error, string message);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Settlement failure detail.")]
    private partial void LogUnsettledDetail(Exception exception);
}
