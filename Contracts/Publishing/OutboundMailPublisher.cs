using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;
using Sluice.Contracts.Validation;

namespace Sluice.Contracts.Publishing;

/// <summary>
/// Publishes <see cref="OutboundMail"/> to <c>mail.outbound</c> with publisher confirms and the mandatory
/// flag: a publish returns only once the broker has taken responsibility for the message (confirmed and
/// routed to at least one queue), and throws <see cref="MailPublishException"/> otherwise. Invalid mail
/// is refused before anything is sent, with <see cref="InvalidOutboundMailException"/> naming the field.
/// Safe to call concurrently; owns one channel of the given connection.
/// </summary>
public sealed class OutboundMailPublisher : IAsyncDisposable
{
    private readonly IChannel _channel;
    private readonly OutboundMailPublisherOptions _options;

    private OutboundMailPublisher(IChannel channel, OutboundMailPublisherOptions options)
    {
        _channel = channel;
        _options = options;
    }

    /// <summary>Opens a confirm-tracking channel on <paramref name="connection"/>.</summary>
    public static async Task<OutboundMailPublisher> CreateAsync(
        IConnection connection, OutboundMailPublisherOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(connection);
        var channel = await connection.CreateChannelAsync(
            new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true),
            cancellationToken).ConfigureAwait(false);
        return new OutboundMailPublisher(channel, options ?? new OutboundMailPublisherOptions());
    }

    /// <summary>Validates, normalises and publishes <paramref name="mail"/>; returns what was published.</summary>
    public async Task<PublishedMail> PublishAsync(OutboundMail mail, CancellationToken cancellationToken = default)
    {
        var normalized = OutboundMailValidator.ValidateOrThrow(mail, _options.Limits);
        string routingKey = OutboundWire.RoutingKeyFor(normalized);
        var properties = new BasicProperties
        {
            ContentType = OutboundWire.ContentType,
            DeliveryMode = DeliveryModes.Persistent,
            MessageId = normalized.Id,
            Type = OutboundWire.MessageType,
            Timestamp = new AmqpTimestamp(_options.TimeProvider.GetUtcNow().ToUnixTimeSeconds()),
        };
        byte[] body = OutboundMailJson.Serialize(normalized);

        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(_options.PublishTimeout);
        try
        {
            await _channel.BasicPublishAsync(_options.Exchange, routingKey, mandatory: true, properties, body, deadline.Token)
                .ConfigureAwait(false);
        }
        catch (PublishReturnException e)
        {
            throw new MailPublishException(
                $"Message {normalized.Id} was returned unroutable by exchange '{_options.Exchange}' (routing key '{routingKey}'): " +
                $"{e.ReplyCode} {e.ReplyText}. Is the topology declared (sluice topology declare)?", e);
        }
        catch (PublishException e) when (!e.IsReturn)
        {
            throw new MailPublishException($"The broker refused message {normalized.Id} (negative confirm).", e);
        }
        catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw new MailPublishException(
                $"The broker did not confirm message {normalized.Id} within {_options.PublishTimeout.TotalSeconds:0.###} s; " +
                "it may or may not have been stored, so publish it again (its id makes a duplicate harmless).", e);
        }
        catch (OperationInterruptedException e) when (e.ShutdownReason?.ReplyCode == 404)
        {
            throw new MailPublishException(
                $"Could not publish message {normalized.Id}: exchange '{_options.Exchange}' does not exist " +
                $"({e.ShutdownReason.ReplyText}). Declare the topology first (sluice topology declare).", e);
        }
        catch (Exception e) when (e is OperationInterruptedException or BrokerUnreachableException or IOException)
        {
            string reason = (e as OperationInterruptedException)?.ShutdownReason?.ReplyText ?? e.Message;
            throw new MailPublishException(
                $"Could not publish message {normalized.Id}: the connection to the broker is closed or unreachable ({reason}).", e);
        }

        return new PublishedMail(normalized.Id, _options.Exchange, routingKey, body.Length);
    }

    public async ValueTask DisposeAsync()
    {
        await _channel.DisposeAsync().ConfigureAwait(false);
    }
}
