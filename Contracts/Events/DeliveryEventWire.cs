using System.Text.Json;

namespace Sluice.Contracts.Events;

/// <summary>
/// The AMQP side of the delivery events: where they are published and how they read. Each message is a
/// JSON array of one or more events that share its routing key.
/// </summary>
public static class DeliveryEventWire
{
    /// <summary>The topic exchange the worker publishes every event to. Bind your own queue to it.</summary>
    public const string Exchange = "mail.events";

    /// <summary>AMQP <c>type</c> property: names the contract and its version.</summary>
    public const string MessageType = "sluice.delivery-event.v1";

    /// <summary>
    /// <c>OUTCOME.TENANT</c>: bind <c>failed.#</c> for every failure, <c>#</c> for everything, <c>*.acme</c> for
    /// tenant <c>acme</c> (a tenant with dots in it spans several words: <c>*.acme.eu</c>).
    /// </summary>
    public static string RoutingKey(DeliveryEvent deliveryEvent)
    {
        ArgumentNullException.ThrowIfNull(deliveryEvent);
        return $"{deliveryEvent.Outcome}.{deliveryEvent.Tenant}";
    }

    /// <summary>One AMQP message: a JSON array of events that share its routing key.</summary>
    public static byte[] Serialize(IReadOnlyList<DeliveryEvent> deliveryEvents) =>
        JsonSerializer.SerializeToUtf8Bytes(deliveryEvents.ToArray(), ContractJsonContext.Default.DeliveryEventArray);

    /// <summary>Parses one message's events. Throws <see cref="JsonException"/> naming the offending path.</summary>
    public static IReadOnlyList<DeliveryEvent> Deserialize(ReadOnlySpan<byte> utf8Json) =>
        JsonSerializer.Deserialize(utf8Json, ContractJsonContext.Default.DeliveryEventArray)
        ?? throw new JsonException("The message is the JSON literal null, not an array of events.");
}
