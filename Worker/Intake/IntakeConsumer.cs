using System.Diagnostics;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;
using Sluice.Contracts.Validation;
using Sluice.Worker.Broker;
using Sluice.Worker.Consuming;
using Sluice.Worker.Delivery;
using Sluice.Worker.Providers;
using Sluice.Worker.Scheduling;
using Sluice.Worker.Routing;
using Sluice.Worker.Senders;
using Sluice.Worker.Sending;
using Sluice.Worker.Settlement;
using Sluice.Worker.Telemetry;
using Sluice.Worker.Topology;

namespace Sluice.Worker.Intake;

/// <summary>
/// Competing consumer on <c>mail.intake</c> (any number of replicas): validates each message, splits
/// it by recipient domain (and into transactions the limits allow) into its egress queue, and acks only
/// after the broker confirmed every copy. A message for an egress this worker owns, in one copy, is handed straight
/// to the owner's senders instead (<see cref="OwnerDoor"/>) and acked when the owner settles it. Bad input goes to <c>mail.failed</c> with a reason; it never
/// crashes the worker, and a broker that is away is waited for, never a reason to stop.
/// </summary>
internal sealed partial class IntakeConsumer(
    BrokerConnector connector,
    IOptions<BrokerOptions> broker,
    IOptions<IntakeOptions> options,
    IOptions<TopologyOptions> topology,
    IOptions<ContractLimits> contract,
    EgressSettings egressSettings,
    IOptions<RoutingOptions> routing,
    IOptions<SenderOptions> senders,
    ProviderResolver providers,
    LocalOwners owners,
    IntakeTelemetry telemetry,
    ReadinessState readiness,
    TimeProvider time,
    ILogger<IntakeConsumer> logger) : BackgroundService
{
    private readonly InFlight _inFlight = new();
    private readonly IntakeSplitter _splitter = new([.. topology.Value.EffectiveEgresses], contract.Value, new SenderAllowlist(senders.Value), new EgressRouter(routing.Value));
    private volatile bool _stopping;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (senders.Value.Policy == SenderPolicy.Open)
        {
            LogOpenSenders();
        }

        await BrokerRetry.RunAsync("Intake", ConsumeAsync, time, logger, stoppingToken).ConfigureAwait(false);
    }

    private async Task ConsumeAsync(CancellationToken stoppingToken)
    {
        await using var connection = await connector.ConnectAsync("intake", stoppingToken).ConfigureAwait(false);
        readiness.Track(connection);
        await using var publisher = await HopPublisher.CreateAsync(connection, broker.Value.PublishTimeout, stoppingToken).ConfigureAwait(false);
        await using var channel = await connection.CreateChannelAsync(
            new CreateChannelOptions(false, false, consumerDispatchConcurrency: options.Value.Concurrency), stoppingToken).ConfigureAwait(false);
        await channel.BasicQosAsync(0, options.Value.Prefetch, global: false, stoppingToken).ConfigureAwait(false);
        using var handOffs = new HandOffs(channel, _inFlight, HandlersThatMayWait(options.Value.Concurrency, topology.Value.EffectiveEgresses.Count));
        var consumer = new AsyncEventingBasicConsumer(channel);
        consumer.ReceivedAsync += (_, delivery) => HandleAsync(channel, publisher, handOffs, delivery);
        string tag = await channel.BasicConsumeAsync(QueueNames.Intake, autoAck: false, consumer, stoppingToken).ConfigureAwait(false);
        LogStarted(QueueNames.Intake);

        try
        {
            await Task.Delay(Timeout.Infinite, stoppingToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Shutdown: drain below.
        }

        _stopping = true;
        try
        {
            await channel.BasicCancelAsync(tag, noWait: false, CancellationToken.None).ConfigureAwait(false);
            await _inFlight.WaitIdleAsync(CancellationToken.None).ConfigureAwait(false);
            await channel.CloseAsync(CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception e) when (e is RabbitMQ.Client.Exceptions.OperationInterruptedException or IOException or OperationCanceledException)
        {
            // The broker went away as we stopped: what was not acked is back in mail.intake already.
            LogNotRoutedDetail(e);
        }
    }

    private async Task HandleAsync(IChannel channel, HopPublisher publisher, HandOffs handOffs, BasicDeliverEventArgs delivery)
    {
        _inFlight.Enter();
        try
        {
            if (_stopping)
            {
                await channel.BasicRejectAsync(delivery.DeliveryTag, requeue: true).ConfigureAwait(false);
                return;
            }

            if (await RouteAsync(publisher, handOffs, delivery).ConfigureAwait(false))
            {
                // Handed to the owner's senders: the owner acks it when it is settled.
                return;
            }

            await channel.BasicAckAsync(delivery.DeliveryTag, multiple: false).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            await NotRoutedAsync(channel, publisher, delivery, e).ConfigureAwait(false);
        }
        finally
        {
            _inFlight.Exit();
        }
    }

    /// <summary>
    /// Not acked: requeue it, unless this was its last try before the queue's delivery limit; then it goes
    /// to <c>mail.failed</c> from here, with the reason, rather than be dead-lettered by the broker without one.
    /// </summary>
    private async Task NotRoutedAsync(IChannel channel, HopPublisher publisher, BasicDeliverEventArgs delivery, Exception e)
    {
        string messageId = PrintableText.Escape(delivery.BasicProperties.MessageId, 200);
        LogNotRouted(messageId, e.GetType().Name, PrintableText.Escape(e.Message));
        LogNotRoutedDetail(e);
        try
        {
            if (DeliveryLimits.IsLastTry(delivery.BasicProperties, topology.Value.IntakeDeliveryLimit))
            {
                string detail = $"intake could not route it in {topology.Value.IntakeDeliveryLimit} tries; last error: {e.GetType().Name}: {e.Message}";
                await publisher.PublishAsync(QueueNames.Failed, delivery.Body,
                    NextHop.Fresh(delivery.BasicProperties, NextHop.Reason(FailureReasons.DeliveryLimit, detail, time.GetUtcNow())), CancellationToken.None).ConfigureAwait(false);
                telemetry.Rejected(FailureReasons.DeliveryLimit);
                await channel.BasicAckAsync(delivery.DeliveryTag, multiple: false).ConfigureAwait(false);
                return;
            }

            await channel.BasicNackAsync(delivery.DeliveryTag, multiple: false, requeue: true).ConfigureAwait(false);
        }
        catch (Exception settle) when (settle is not OutOfMemoryException)
        {
            // The channel is gone (the broker requeues every unacked message by itself) or the publish failed
            // (the broker's own dead-lettering is the last resort).
            LogNotRoutedDetail(settle);
        }
    }

    /// <summary>Routes the delivery to its next hop; true when it was handed to a local owner (and is not to be acked here).</summary>
    private async Task<bool> RouteAsync(HopPublisher publisher, HandOffs handOffs, BasicDeliverEventArgs delivery)
    {
        using var activity = SluiceActivities.StartFrom("sluice intake", ActivityKind.Consumer, delivery.BasicProperties.Headers);
        activity?.SetTag("messaging.message.id", delivery.BasicProperties.MessageId);

        // Only Sluice's own hops (a re-drive publishes through the default exchange) may say which recipients
        // a copy is for; a producer publishes to mail.outbound, and every header it set is dropped here.
        bool internalHop = delivery.Exchange.Length == 0;
        var headers = delivery.BasicProperties.Headers;
        var decision = _splitter.Decide(delivery.Body.Span, internalHop ? MailHeaders.GetString(headers, MailHeaders.Recipients) : null);
        switch (decision)
        {
            case IntakeDecision.Reject reject:
                LogRejected(PrintableText.Escape(delivery.BasicProperties.MessageId, 200), reject.Reason, PrintableText.Escape(reject.Detail, 1000));
                telemetry.Rejected(reject.Reason);
                activity?.SetTag("sluice.outcome", reject.Reason);
                await publisher.PublishAsync(QueueNames.Failed, delivery.Body,
                    NextHop.Fresh(delivery.BasicProperties, NextHop.Reason(reject.Reason, reject.Detail, time.GetUtcNow())), CancellationToken.None).ConfigureAwait(false);
                break;
            case IntakeDecision.Route route:
                var copies = await CopiesAsync(route, delivery, internalHop).ConfigureAwait(false);
                activity?.SetTag("sluice.egress", route.Egress);

                // A redelivered message is copied as always: a hand-over that did not settle it is not tried again.
                bool handedOver = copies.Count == 1 && !delivery.Redelivered && owners.Door(route.Egress) is { } door
                    && await handOffs.TryHandOverAsync(door, delivery, route.Body, copies[0]).ConfigureAwait(false);
                if (!handedOver)
                {
                    await Task.WhenAll(copies.Select(properties =>
                        publisher.PublishAsync(QueueNames.Egress(route.Egress), route.Body, properties, CancellationToken.None))).ConfigureAwait(false);
                }

                telemetry.Routed(route.Egress, handedOver);
                return handedOver;
        }

        return false;
    }

    /// <summary>
    /// How many of intake's handlers may wait at once for a place at an owner's door. With one egress all of them: there
    /// is no other mail to route, and a handler that copied instead of waiting would only put the broker's work back.
    /// With several, half: the rest keep routing the other egresses' mail while one egress's senders are busy.
    /// </summary>
    internal static int HandlersThatMayWait(int concurrency, int egresses) => egresses <= 1 ? concurrency : Math.Max(1, concurrency / 2);

    /// <summary>
    /// The copies a routed message becomes: one per recipient domain, split into transactions its limits allow, each
    /// with the headers the egress reads.
    /// </summary>
    private async Task<List<BasicProperties>> CopiesAsync(IntakeDecision.Route route, BasicDeliverEventArgs delivery, bool internalHop)
    {
        long acceptedAt = time.GetUtcNow().ToUnixTimeMilliseconds();
        long? redrives = internalHop ? MailHeaders.GetLong(delivery.BasicProperties.Headers, MailHeaders.Redrives) : null;
        var perShare = await Task.WhenAll(route.Shares.Select(async share =>
        {
            // The provider (when known) is the share's limit partition downstream.
            string? provider = await providers.ResolveAsync(share.Domain, CancellationToken.None).ConfigureAwait(false);
            int largest = RecipientBatches.Largest(egressSettings.Limits(route.Egress), egressSettings.Smtp(route.Egress), Scheduling.Partitions.Key(share.Domain, provider), route.Tenant);
            return RecipientBatches.Split(share.Recipients, largest).Select(batch =>
            {
                var properties = NextHop.Fresh(delivery.BasicProperties,
                [
                    new(MailHeaders.Domain, share.Domain),
                    new(MailHeaders.Provider, provider),
                    new(MailHeaders.Recipients, EgressEnvelope.EncodeRecipients(batch)),
                    new(MailHeaders.Attempts, 0L),
                    new(MailHeaders.AcceptedAt, acceptedAt),
                    new(MailHeaders.Egress, route.Egress),
                    new(MailHeaders.Route, route.Reason),
                    new(MailHeaders.Redrives, redrives),
                ]);
                properties.MessageId = route.MessageId;
                properties.ContentType = Contracts.Publishing.OutboundWire.ContentType;
                return properties;
            }).ToList();
        })).ConfigureAwait(false);
        return [.. perShare.SelectMany(copies => copies)];
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Consuming {Queue}.")]
    private partial void LogStarted(string queue);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Senders:Policy is Open: any tenant may send from any domain. Set it to Allowlist, with Senders:Tenants, on a relay that sends for several clients.")]
    private partial void LogOpenSenders();

    [LoggerMessage(Level = LogLevel.Warning, Message = "Message {MessageId} goes to mail.failed: {Reason}: {Detail}")]
    private partial void LogRejected(string messageId, string reason, string detail);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Message {MessageId} could not be routed ({Error}: {Message}); it is tried again.")]
    private partial void LogNotRouted(string messageId, string error, string message);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Intake failure detail.")]
    private partial void LogNotRoutedDetail(Exception exception);
}
