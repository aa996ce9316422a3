using RabbitMQ.Client;

namespace Sluice.Worker.Scheduling;

/// <summary>One delivery from an egress or due queue, copied out of the consumer callback.</summary>
/// <param name="Body">The message body.</param>
/// <param name="Properties">Its properties and headers.</param>
/// <param name="DeliveryTag">For the ack.</param>
/// <param name="FromDue">Back from the delay tiers (not fresh from intake).</param>
public sealed record EgressWork(ReadOnlyMemory<byte> Body, IReadOnlyBasicProperties Properties, ulong DeliveryTag, bool FromDue);
