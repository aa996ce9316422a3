using RabbitMQ.Client;

namespace Sluice.Worker.Topology;

/// <summary>
/// Declares a <see cref="TopologyDefinition"/> on a broker. Idempotent: declaring what exists with the
/// same arguments is a no-op; different arguments make the broker refuse (PRECONDITION_FAILED) rather
/// than silently change a queue holding mail.
/// </summary>
public static class TopologyDeclarer
{
    public static async Task DeclareAsync(IConnection connection, TopologyDefinition topology, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(topology);
        await using var channel = await connection.CreateChannelAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        foreach (var exchange in topology.Exchanges)
        {
            await channel.ExchangeDeclareAsync(exchange.Name, exchange.Type, durable: true, autoDelete: false,
                cancellationToken: cancellationToken).ConfigureAwait(false);
        }

        foreach (var queue in topology.Queues)
        {
            await channel.QueueDeclareAsync(queue.Name, durable: true, exclusive: false, autoDelete: false,
                arguments: queue.Arguments.ToDictionary(a => a.Key, a => (object?)a.Value, StringComparer.Ordinal),
                cancellationToken: cancellationToken).ConfigureAwait(false);
        }

        foreach (var binding in topology.Bindings)
        {
            await channel.QueueBindAsync(binding.Queue, binding.Exchange, binding.RoutingKey,
                cancellationToken: cancellationToken).ConfigureAwait(false);
        }
    }
}
