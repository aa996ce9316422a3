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
using System.Diagnostics;
using Sluice.Worker.Settlement;
using Sluice.Worker.Telemetry;
using Sluice.Worker.Topology;

namespace Sluice.Worker.Intake;

/// <summary>
/// Competing consumer on <c>mail.intake</c> (any number of replicas): validates each message, splits
/// it by recipient domain into its egress queue, and acks only after the broker confirmed every copy.
/// Bad input goes to <c>mail.failed</c> with a reason; it never crashes the worker.
/// </summary>
internal sealed partial class IntakeConsumer(
    BrokerConnector connector,
    IOptions<BrokerOptions> broker,
    IOptions<IntakeOptions> options,
    IOptions<TopologyOptions> topology,
    IOptions<ContractLimits> limits,
    ProviderResolver providers,
    IntakeTelemetry telemetry,
    ReadinessState readiness,
    TimeProvider time,
    ILogger<IntakeConsumer> logger) : BackgroundService
{
    private readonly InFlight _inFlight = new();
    private IntakeSplitter? _splitter;
    private HopPublisher? _publisher;
    private volatile bool _stopping;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        _splitter = new IntakeSplitter([.. topology.Value.EffectiveEgresses], limits.Value);
        await using var connection = await connector.ConnectAsync("intake", stoppingToken).ConfigureAwait(false);
        readiness.Track(connection);
        await using var publisher = _publisher = await HopPublisher.CreateAsync(connection, broker.Value.PublishTimeout, stoppingToken).ConfigureAwait(false);
        await using var channel = await connection.CreateChannelAsync(
            new CreateChannelOptions(false, false, consumerDispatchConcurrency: options.Value.Concurrency), stoppingToken).ConfigureAwait(false);
        await channel.BasicQosAsync(0, options.Value.Prefetch, global: false, stoppingToken).ConfigureAwait(false);
        var consumer = new AsyncEventingBasicConsumer(channel);
        consumer.ReceivedAsync += (_, delivery) => HandleAsync(channel, delivery);
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
        await channel.BasicCancelAsync(tag, noWait: false, CancellationToken.None).ConfigureAwait(false);
        await _inFlight.WaitIdleAsync(CancellationToken.None).ConfigureAwait(false);
        await channel.CloseAsync(CancellationToken.None).ConfigureAwait(false);
    }

    private async Task HandleAsync(IChannel channel, BasicDeliverEventArgs delivery)
    {
        _inFlight.Enter();
        try
        {
            if (_stopping)
            {
                await channel.BasicRejectAsync(delivery.DeliveryTag, requeue: true).ConfigureAwait(false);
                return;
            }

            await RouteAsync(delivery).ConfigureAwait(false);
            await channel.BasicAckAsync(delivery.DeliveryTag, multiple: false).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // Not acked: requeue it (the queue's delivery limit stops a message that always fails here).
            LogNotRouted(e, delivery.BasicProperties.MessageId);
            await TryRequeueAsync(channel, delivery.DeliveryTag).ConfigureAwait(false);
        }
        finally
        {
            _inFlight.Exit();
        }
    }

    private async Task RouteAsync(BasicDeliverEventArgs delivery)
    {
        using var activity = SluiceActivities.StartFrom("sluice intake", ActivityKind.Consumer, delivery.BasicProperties.Headers);
        activity?.SetTag("messaging.message.id", delivery.BasicProperties.MessageId);
        // A re-driven egress copy names the recipients it is for: the others may have had the message already.
        var decision = _splitter!.Decide(delivery.Body.Span, MailHeaders.GetString(delivery.BasicProperties.Headers, MailHeaders.Recipients));
        switch (decision)
        {
            case IntakeDecision.Reject reject:
                LogRejected(delivery.BasicProperties.MessageId, reject.Reason, reject.Detail);
                telemetry.Rejected(reject.Reason);
                activity?.SetTag("sluice.outcome", reject.Reason);
                await _publisher!.PublishAsync(QueueNames.Failed, delivery.Body,
                    NextHop.From(delivery.BasicProperties, NextHop.Reason(reject.Reason, reject.Detail, time.GetUtcNow())), CancellationToken.None).ConfigureAwait(false);
                break;
            case IntakeDecision.Route route:
                long acceptedAt = time.GetUtcNow().ToUnixTimeMilliseconds();
                var publishes = route.Shares.Select(async share =>
                {
                    // The provider (when known) is the share's limit partition downstream.
                    string? provider = await providers.ResolveAsync(share.Domain, CancellationToken.None).ConfigureAwait(false);
                    var properties = NextHop.From(delivery.BasicProperties,
                    [
                        new(MailHeaders.Domain, share.Domain),
                        new(MailHeaders.Provider, provider),
                        new(MailHeaders.Recipients, EgressEnvelope.EncodeRecipients(share.Recipients)),
                        new(MailHeaders.Attempts, 0L),
                        new(MailHeaders.AcceptedAt, acceptedAt),
                        new(MailHeaders.Egress, route.Egress),
                    ]);
                    properties.MessageId = route.MessageId;
                    await _publisher!.PublishAsync(QueueNames.Egress(route.Egress), route.Body, properties, CancellationToken.None).ConfigureAwait(false);
                });
                await Task.WhenAll(publishes).ConfigureAwait(false);
                telemetry.Routed(route.Egress);
                activity?.SetTag("sluice.egress", route.Egress);
                break;
        }
    }

    private static async Task TryRequeueAsync(IChannel channel, ulong deliveryTag)
    {
        try
        {
            await channel.BasicNackAsync(deliveryTag, multiple: false, requeue: true).ConfigureAwait(false);
        }
        catch (Exception e) when (e is RabbitMQ.Client.Exceptions.AlreadyClosedException or ObjectDisposedException)
        {
            // The channel is gone: the broker requeues every unacked message by itself.
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Consuming {Queue}.")]
    private partial void LogStarted(string queue);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Message {MessageId} goes to mail.failed: {Reason}: {Detail}")]
    private partial void LogRejected(string? messageId, string reason, string detail);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Message {MessageId} could not be routed; it is requeued.")]
    private partial void LogNotRouted(Exception exception, string? messageId);
}
