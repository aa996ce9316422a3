using RabbitMQ.Client;
using RabbitMQ.Client.Events;
using Sluice.Worker.Topology;

namespace Sluice.Worker.Control;

/// <summary>Writes and reads the <c>mail.control</c> stream.</summary>
public static class ControlLog
{
    /// <summary>Appends one event, confirmed by the broker.</summary>
    public static async Task AppendAsync(IConnection connection, ControlEvent controlEvent, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(controlEvent);
        await using var channel = await connection.CreateChannelAsync(new CreateChannelOptions(true, true), cancellationToken).ConfigureAwait(false);
        await channel.BasicPublishAsync(string.Empty, QueueNames.Control, mandatory: true,
            new BasicProperties { Persistent = true, ContentType = "application/json" }, controlEvent.ToJson(), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Reads the stream from its first entry into <paramref name="state"/> and keeps following it
    /// until the channel closes. Streams are read without removing anything, so every worker sees every entry.
    /// </summary>
    public static async Task<IChannel> FollowAsync(IConnection connection, PauseState state, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(state);
        var channel = await connection.CreateChannelAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        await channel.BasicQosAsync(0, 100, global: false, cancellationToken).ConfigureAwait(false);
        var consumer = new AsyncEventingBasicConsumer(channel);
        consumer.ReceivedAsync += async (_, delivery) =>
        {
            if (ControlEvent.FromJson(delivery.Body.Span) is { } controlEvent)
            {
                state.Apply(controlEvent);
            }

            await channel.BasicAckAsync(delivery.DeliveryTag, multiple: false).ConfigureAwait(false);
        };
        await channel.BasicConsumeAsync(QueueNames.Control, autoAck: false, consumerTag: string.Empty, noLocal: false, exclusive: false,
            arguments: new Dictionary<string, object?> { ["x-stream-offset"] = "first" }, consumer, cancellationToken).ConfigureAwait(false);
        return channel;
    }
}
