using RabbitMQ.Client;

namespace Sluice.Worker.Operations;

/// <summary>
/// Walks a held queue front to back with <c>basic.get</c>, taking each message without acknowledging it.
/// What the visitor acknowledges is gone. Everything else is handed back at the end, one message at a
/// time in the order it was read: quorum queues put returned messages at the back, so a walk over the
/// whole queue (every message there when it began) leaves the rest exactly in their order. A walk cut
/// short (the process dies) still loses nothing: the broker returns every unacknowledged message.
/// </summary>
public static class HoldingQueueReader
{
    /// <summary>Visits every message that was in the queue when the walk began; returns how many.</summary>
    /// <param name="channel">A channel of its own.</param>
    /// <param name="queue">The queue to walk.</param>
    /// <param name="visit">Returns true when it acknowledged the message (took it away).</param>
    /// <param name="cancellationToken">Stops the walk.</param>
    public static async Task<int> WalkAsync(IChannel channel, string queue, Func<HeldMessage, Task<bool>> visit, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(channel);
        ArgumentNullException.ThrowIfNull(visit);
        uint total = (await channel.QueueDeclarePassiveAsync(queue, cancellationToken).ConfigureAwait(false)).MessageCount;
        var kept = new List<ulong>();
        int seen = 0;
        while (seen < total)
        {
            var result = await channel.BasicGetAsync(queue, autoAck: false, cancellationToken).ConfigureAwait(false);
            if (result is null)
            {
                break;
            }

            seen++;
            if (!await visit(HeldMessage.From(result)).ConfigureAwait(false))
            {
                kept.Add(result.DeliveryTag);
            }
        }

        foreach (ulong tag in kept)
        {
            await channel.BasicNackAsync(tag, multiple: false, requeue: true, cancellationToken).ConfigureAwait(false);
        }

        // A nack is applied by the queue after the command could return: a walk right after this one (inspect after a
        // dry run) would count fewer messages and list too few. Held queues have no consumers, so the count comes back.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(5);
        while (kept.Count > 0 && DateTime.UtcNow < deadline
               && (await channel.QueueDeclarePassiveAsync(queue, cancellationToken).ConfigureAwait(false)).MessageCount < kept.Count)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(10), cancellationToken).ConfigureAwait(false);
        }

        return seen;
    }
}
