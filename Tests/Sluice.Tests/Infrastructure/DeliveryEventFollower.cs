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

    /// <summary>
    /// Takes messages from a follower's queue until <paramref name="count"/> events have been read: one message may
    /// carry the events of several recipients and messages (the worker batches them), so messages are not events.
    /// </summary>
    public static async Task<List<DeliveryEvent>> TakeEventsAsync(IConnection connection, string queue, int count, TimeSpan hangGuard)
    {
        var events = new List<DeliveryEvent>();
        while (events.Count < count)
        {
            var taken = await QueueReader.TakeAsync(connection, queue, 1, hangGuard);
            events.AddRange(DeliveryEventWire.Deserialize(taken[0].Body.Span));
        }

        return events;
    }
}
