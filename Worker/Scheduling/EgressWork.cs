using RabbitMQ.Client;

namespace Sluice.Worker.Scheduling;

/// <summary>One delivery from an egress or due queue, copied out of the consumer callback.</summary>
public sealed record EgressWork(ReadOnlyMemory<byte> Body, IReadOnlyBasicProperties Properties, ulong DeliveryTag);
