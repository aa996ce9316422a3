using RabbitMQ.Client;
using Sluice.Contracts.Events;
using Sluice.Worker.Delivery;
using Sluice.Worker.Settlement;

namespace Sluice.Worker.Journal;

/// <summary>
/// Publishes one <see cref="DeliveryEvent"/> per recipient and outcome to <c>mail.events</c>, confirmed,
/// before the message they describe is acked: a crash in between repeats an event, never loses one.
/// </summary>
public sealed class DeliveryEvents(string egress, HopPublisher publisher, TimeProvider time)
{
    /// <summary>Tells producers what became of <paramref name="recipients"/> of the envelope's message.</summary>
    public Task PublishAsync(
        EgressEnvelope envelope, IReadOnlyList<string> recipients, string outcome, int attempt,
        string? reply = null, string? reason = null, string? detail = null, DateTimeOffset? next = null)
    {
        ArgumentNullException.ThrowIfNull(envelope);
        ArgumentNullException.ThrowIfNull(recipients);
        var at = time.GetUtcNow();
        return Task.WhenAll(recipients.Select(recipient =>
        {
            var deliveryEvent = new DeliveryEvent
            {
                SchemaVersion = DeliveryEvent.CurrentSchemaVersion,
                Id = envelope.Mail.Id,
                Tenant = envelope.Mail.Tenant,
                Recipient = recipient,
                Outcome = outcome,
                Egress = egress,
                At = at,
                Attempt = attempt,
                Reply = reply,
                Reason = reason,
                Detail = detail,
                NextAttemptAt = next,
            };
            var properties = new BasicProperties
            {
                Persistent = true,
                ContentType = "application/json",
                Type = DeliveryEventWire.MessageType,
                MessageId = envelope.Mail.Id,
                Timestamp = new AmqpTimestamp(at.ToUnixTimeSeconds()),
            };
            return publisher.NotifyAsync(DeliveryEventWire.Exchange, DeliveryEventWire.RoutingKey(deliveryEvent), DeliveryEventWire.Serialize(deliveryEvent), properties, CancellationToken.None);
        }));
    }
}
