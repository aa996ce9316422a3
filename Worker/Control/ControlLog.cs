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

    /// <summary>
    /// The state after every entry written so far (for commands that print it). A stream does not say
    /// where its end is, so this appends a marker of its own and reads until the marker comes by.
    /// </summary>
    public static async Task<PauseState> ReadAsync(IConnection connection, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        var state = new PauseState();
        string marker = ControlEvent.MarkerPrefix + Guid.NewGuid().ToString("N");
        var caughtUp = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        state.MarkerSeen += seen =>
        {
            if (seen == marker)
            {
                caughtUp.TrySetResult();
            }
        };
        await using var channel = await FollowAsync(connection, state, cancellationToken).ConfigureAwait(false);
        await AppendAsync(connection, new ControlEvent(marker, false, DateTimeOffset.UtcNow, "reader"), cancellationToken).ConfigureAwait(false);
        await caughtUp.Task.WaitAsync(TimeSpan.FromSeconds(30), cancellationToken).ConfigureAwait(false);
        return state;
    }
}
