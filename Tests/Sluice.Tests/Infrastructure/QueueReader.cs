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
    public static async Task<BasicDeliverEventArgs> NextDeliveryAsync(IConnection connection, string queue, TimeSpan hangGuard) =>
        (await TakeAsync(connection, queue, 1, hangGuard))[0];

    /// <summary>Waits until <paramref name="queue"/> holds a message, and leaves it there (taken without an ack, then given back).</summary>
    public static async Task WaitForMessageAsync(IConnection connection, string queue, TimeSpan hangGuard)
    {
        ArgumentNullException.ThrowIfNull(connection);
        var arrived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using (var channel = await connection.CreateChannelAsync())
        {
            await channel.BasicQosAsync(0, 1, global: false);
            var consumer = new AsyncEventingBasicConsumer(channel);
            consumer.ReceivedAsync += (_, _) =>
            {
                arrived.TrySetResult();
                return Task.CompletedTask;
            };
            await channel.BasicConsumeAsync(queue, autoAck: false, consumer);
            await arrived.Task.WaitAsync(hangGuard);

            // Closing the channel returns the unacked message to the queue.
            await channel.CloseAsync();
        }
    }

    /// <summary>Takes (and acks) exactly <paramref name="count"/> messages, waiting for them with a consumer.</summary>
    public static async Task<IReadOnlyList<BasicDeliverEventArgs>> TakeAsync(IConnection connection, string queue, int count, TimeSpan hangGuard)
    {
        await using var channel = await connection.CreateChannelAsync();

        // The prefetch keeps the broker from handing this consumer more than it will take.
        await channel.BasicQosAsync(0, (ushort)count, global: false);
        var taken = new List<BasicDeliverEventArgs>();
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var consumer = new AsyncEventingBasicConsumer(channel);
        consumer.ReceivedAsync += async (_, delivery) =>
        {
            // An ack frees a prefetch slot, so the broker may hand over one more before the cancel below: left unacked,
            // it goes back to the queue when the channel closes (acking it would lose it for the next taker).
            if (taken.Count >= count)
            {
                return;
            }

            // The body buffer is only valid during the handler: copy it.
            taken.Add(new BasicDeliverEventArgs(delivery.ConsumerTag, delivery.DeliveryTag, delivery.Redelivered,
                delivery.Exchange, delivery.RoutingKey, delivery.BasicProperties, delivery.Body.ToArray()));
            await channel.BasicAckAsync(delivery.DeliveryTag, multiple: false);
            if (taken.Count == count)
            {
                done.TrySetResult();
            }
        };
        string tag = await channel.BasicConsumeAsync(queue, autoAck: false, consumer);
        try
        {
            await done.Task.WaitAsync(hangGuard);
            return taken;
        }
        finally
        {
            await channel.BasicCancelAsync(tag);
        }
    }
}
