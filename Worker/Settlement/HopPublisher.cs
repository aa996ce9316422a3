using RabbitMQ.Client;

namespace Sluice.Worker.Settlement;

/// <summary>
/// Publishes a message's next hop (an egress, a delay tier, <c>mail.failed</c>, <c>mail.parked</c>)
/// through the default exchange, and returns only when the broker has confirmed it and routed it to the
/// queue (mandatory). Callers ack the original only after this returns: publish before ack, so a crash
/// in between duplicates a message but never loses one. Every publish has a deadline (a confirm can
/// hang across a broker restart). Safe to call concurrently.
/// </summary>
public sealed class HopPublisher : IAsyncDisposable
{
    private readonly IChannel _channel;
    private readonly TimeSpan _timeout;

    private HopPublisher(IChannel channel, TimeSpan timeout)
    {
        _channel = channel;
        _timeout = timeout;
    }

    public static async Task<HopPublisher> CreateAsync(IConnection connection, TimeSpan timeout, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        var channel = await connection.CreateChannelAsync(
            new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true),
            cancellationToken).ConfigureAwait(false);
        return new HopPublisher(channel, timeout);
    }

    /// <summary>Publishes <paramref name="body"/> to <paramref name="queue"/>; throws if the broker did not take it.</summary>
    public async Task PublishAsync(string queue, ReadOnlyMemory<byte> body, BasicProperties properties, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(_timeout);
        await _channel.BasicPublishAsync(string.Empty, queue, mandatory: true, properties, body, deadline.Token).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        await _channel.DisposeAsync().ConfigureAwait(false);
    }
}
