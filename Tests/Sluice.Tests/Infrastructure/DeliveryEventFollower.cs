using RabbitMQ.Client;
using Sluice.Contracts.Events;

namespace Sluice.Tests.Infrastructure;

/// <summary>A test's own queue of delivery events, as a producer following its mail would bind one.</summary>
public static class DeliveryEventFollower
{
    /// <summary>Declares a queue bound to the events exchange with <paramref name="bindingKey"/> ("#", "failed.#", …); returns its name.</summary>
    public static async Task<string> BindAsync(IConnection connection, string bindingKey)
    {
        ArgumentNullException.ThrowIfNull(connection);
        await using var channel = await connection.CreateChannelAsync();
        var queue = await channel.QueueDeclareAsync(string.Empty, durable: false, exclusive: false, autoDelete: false);
        await channel.QueueBindAsync(queue.QueueName, DeliveryEventWire.Exchange, bindingKey);
        return queue.QueueName;
    }
}
