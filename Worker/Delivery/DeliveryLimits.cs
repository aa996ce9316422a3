using RabbitMQ.Client;

namespace Sluice.Worker.Delivery;

/// <summary>
/// Reads a quorum queue's redelivery count (<c>x-delivery-count</c>, set by the broker on every return),
/// so a consumer can settle a message itself, with a reason, on its last try before the queue's
/// <c>x-delivery-limit</c> would dead-letter it without one.
/// </summary>
public static class DeliveryLimits
{
    public const string DeliveryCountHeader = "x-delivery-count";

    public static bool IsLastTry(IReadOnlyBasicProperties properties, int deliveryLimit)
    {
        ArgumentNullException.ThrowIfNull(properties);
        long returned = MailHeaders.GetLong(properties.Headers, DeliveryCountHeader) ?? 0;
        return returned + 1 >= deliveryLimit;
    }
}
