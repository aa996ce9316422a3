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

    /// <summary>False once its channel (or connection) is gone: nothing published from here can be confirmed any more.</summary>
    public bool IsOpen => _channel.IsOpen;

    /// <summary>Publishes <paramref name="body"/> to <paramref name="queue"/>; throws if the broker did not take it.</summary>
    public Task PublishAsync(string queue, ReadOnlyMemory<byte> body, BasicProperties properties, CancellationToken cancellationToken) =>
        PublishAsync(string.Empty, queue, mandatory: true, body, properties, cancellationToken);

    /// <summary>
    /// Publishes a notification to <paramref name="exchange"/>, confirmed; not mandatory: an exchange that no
    /// one has bound a queue to yet drops it, and that is not an error.
    /// </summary>
    public Task NotifyAsync(string exchange, string routingKey, ReadOnlyMemory<byte> body, BasicProperties properties, CancellationToken cancellationToken) =>
        PublishAsync(exchange, routingKey, mandatory: false, body, properties, cancellationToken);

    private async Task PublishAsync(string exchange, string routingKey, bool mandatory, ReadOnlyMemory<byte> body, BasicProperties properties, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(_timeout);
        await _channel.BasicPublishAsync(exchange, routingKey, mandatory, properties, body, deadline.Token).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        await _channel.DisposeAsync().ConfigureAwait(false);
    }
}
