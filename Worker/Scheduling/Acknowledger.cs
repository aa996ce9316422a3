using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;

namespace Sluice.Worker.Scheduling;

/// <summary>
/// Acks and rejects on the consuming channel, one at a time (many senders settle concurrently; a
/// channel is not meant for concurrent method calls). A settle on a channel that has closed is
/// dropped: the broker has already requeued the message and will deliver it again.
/// </summary>
public sealed class Acknowledger(IChannel channel, Action<ulong>? settled = null) : IDisposable
{
    private readonly SemaphoreSlim _turn = new(1, 1);

    /// <summary>
    /// False once the channel is gone: its deliveries can no longer be settled (the broker redelivers
    /// them), so nothing more may be sent for them.
    /// </summary>
    public bool IsOpen => channel.IsOpen;

    public Task AckAsync(ulong deliveryTag) => SettleAsync(deliveryTag, c => c.BasicAckAsync(deliveryTag, multiple: false));

    public Task RequeueAsync(ulong deliveryTag) => SettleAsync(deliveryTag, c => c.BasicRejectAsync(deliveryTag, requeue: true));

    /// <summary>Any other method on the channel, in turn with the settles.</summary>
    public async Task<T> UseAsync<T>(Func<IChannel, Task<T>> use)
    {
        ArgumentNullException.ThrowIfNull(use);
        await _turn.WaitAsync().ConfigureAwait(false);
        try
        {
            return await use(channel).ConfigureAwait(false);
        }
        finally
        {
            _turn.Release();
        }
    }

    public void Dispose() => _turn.Dispose();

    private async Task SettleAsync(ulong deliveryTag, Func<IChannel, ValueTask> settle)
    {
        await _turn.WaitAsync().ConfigureAwait(false);
        try
        {
            await settle(channel).ConfigureAwait(false);
        }
        catch (AlreadyClosedException)
        {
            // Redelivered by the broker; see the class comment.
        }
        finally
        {
            _turn.Release();
            settled?.Invoke(deliveryTag);
        }
    }
}
