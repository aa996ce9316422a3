using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;

namespace Sluice.Worker.Scheduling;

/// <summary>
/// Acks and rejects on the consuming channel, one at a time (many senders settle concurrently; a
/// channel is not meant for concurrent method calls). A settle on a channel that has closed is
/// dropped: the broker has already requeued the message and will deliver it again. With <c>claim</c>, a settle
/// is sent only when the claim grants it: a delivery settled already, or one on a channel that has recovered
/// since (open again, but its earlier deliveries redelivered), is not settled again, because a second ack of a
/// delivery tag is a channel error that would close the channel for every other delivery on it.
/// </summary>
public sealed class Acknowledger(IChannel channel, Action<ulong>? settled = null, Func<bool>? alive = null, Func<ulong, bool>? claim = null) : IDisposable
{
    private readonly SemaphoreSlim _turn = new(1, 1);

    /// <summary>
    /// False once the channel is gone: its deliveries can no longer be settled (the broker redelivers
    /// them), so nothing more may be sent for them.
    /// </summary>
    public bool IsOpen => channel.IsOpen && (alive?.Invoke() ?? true);

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
            if (claim?.Invoke(deliveryTag) ?? true)
            {
                await settle(channel).ConfigureAwait(false);
            }
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
