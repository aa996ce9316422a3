using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace Sluice.Tests.Infrastructure;

/// <summary>Reads messages from queues of a test vhost, awaiting deliveries instead of polling.</summary>
public static class QueueReader
{
    /// <summary>Takes one message (acked) with basic.get; null when the queue is empty.</summary>
    public static async Task<BasicGetResult?> GetAsync(IConnection connection, string queue)
    {
        await using var channel = await connection.CreateChannelAsync();
        return await channel.BasicGetAsync(queue, autoAck: true);
    }

    public static async Task<uint> CountAsync(IConnection connection, string queue)
    {
        await using var channel = await connection.CreateChannelAsync();
        return (await channel.QueueDeclarePassiveAsync(queue)).MessageCount;
    }

    /// <summary>
    /// Waits for the next delivery on <paramref name="queue"/> with a consumer (quorum queues with a
    /// single active consumer refuse basic.get). The timeout only guards against a hang.
    /// </summary>
    public static async Task<BasicDeliverEventArgs> NextDeliveryAsync(IConnection connection, string queue, TimeSpan hangGuard)
    {
        await using var channel = await connection.CreateChannelAsync();
        var received = new TaskCompletionSource<BasicDeliverEventArgs>(TaskCreationOptions.RunContinuationsAsynchronously);
        var consumer = new AsyncEventingBasicConsumer(channel);
        consumer.ReceivedAsync += async (_, delivery) =>
        {
            // The body buffer is only valid during the handler: copy it.
            var copy = new BasicDeliverEventArgs(delivery.ConsumerTag, delivery.DeliveryTag, delivery.Redelivered,
                delivery.Exchange, delivery.RoutingKey, delivery.BasicProperties, delivery.Body.ToArray());
            await channel.BasicAckAsync(delivery.DeliveryTag, multiple: false);
            received.TrySetResult(copy);
        };
        string tag = await channel.BasicConsumeAsync(queue, autoAck: false, consumer);
        try
        {
            return await received.Task.WaitAsync(hangGuard);
        }
        finally
        {
            await channel.BasicCancelAsync(tag);
        }
    }
}
