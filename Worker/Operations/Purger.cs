using RabbitMQ.Client;

namespace Sluice.Worker.Operations;

/// <summary>
/// Deletes held messages that match a filter (an operator's <c>postsuper -d</c>): each is acknowledged, so it is gone for
/// good; messages that do not match return to their queue, in order, when the walk ends. Their producers were told
/// when they were held (a <c>failed</c> or <c>parked</c> delivery event); deleting them sends nothing more.
/// </summary>
public sealed class Purger(IConnection connection)
{
    public async Task<PurgeSummary> PurgeAsync(PurgeRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        await using var channel = await connection.CreateChannelAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        int scanned = 0, matched = 0, deleted = 0;
        await HoldingQueueReader.WalkAsync(channel, HoldingAreaNames.Of(request.From), async message =>
        {
            scanned++;
            if (!request.Filter.Matches(message) || (request.Limit is int limit && matched >= limit))
            {
                return false;
            }

            matched++;
            if (request.DryRun)
            {
                return false;
            }

            await channel.BasicAckAsync(message.DeliveryTag, multiple: false, cancellationToken).ConfigureAwait(false);
            deleted++;
            return true;
        }, cancellationToken).ConfigureAwait(false);

        await channel.CloseAsync(cancellationToken).ConfigureAwait(false);
        return new PurgeSummary(scanned, matched, deleted);
    }
}

/// <summary>Which held messages to delete; <see cref="DryRun"/> counts them and changes nothing.</summary>
public sealed record PurgeRequest(HoldingArea From, HeldMessageFilter Filter, int? Limit = null, bool DryRun = false);

/// <summary>Messages looked at, matching the filter (within the limit), and deleted.</summary>
public sealed record PurgeSummary(int Scanned, int Matched, int Deleted);
