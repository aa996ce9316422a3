using System.Threading.RateLimiting;
using RabbitMQ.Client;
using Sluice.Contracts;
using Sluice.Worker.Delivery;
using Sluice.Worker.Settlement;
using Sluice.Worker.Topology;

namespace Sluice.Worker.Operations;

/// <summary>
/// Moves held messages that match a filter back into <c>mail.intake</c>: each is published with a
/// confirm, then acknowledged, so a crash in between duplicates a message (its Message-ID is stable)
/// and never loses one. Messages that do not match are left unacknowledged and return to their queue,
/// in order, when the walk ends. A re-driven egress copy keeps its <c>sluice-recipients</c>, so only
/// the recipients that did not get the message are tried again; its <c>sluice-redrives</c> count goes up.
/// </summary>
public sealed class Redriver(IConnection connection, TimeSpan publishTimeout)
{
    public async Task<RedriveSummary> RedriveAsync(RedriveRequest request, Action<RedriveSummary>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        await using var publisher = await HopPublisher.CreateAsync(connection, publishTimeout, cancellationToken).ConfigureAwait(false);
        await using var channel = await connection.CreateChannelAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        using var pace = request.PerSecond is int rate
            ? new TokenBucketRateLimiter(new TokenBucketRateLimiterOptions
            {
                TokenLimit = rate,
                TokensPerPeriod = rate,
                ReplenishmentPeriod = TimeSpan.FromSeconds(1),
                QueueLimit = 1,
            })
            : null;
        int scanned = 0, matched = 0, moved = 0;
        await HoldingQueueReader.WalkAsync(channel, HoldingAreaNames.Of(request.From), async message =>
        {
            scanned++;
            // Only a message that matches is rewritten (a message not in contract JSON cannot take the overrides and stays).
            var body = request.Filter.Matches(message) && (request.Limit is null || matched < request.Limit) ? Rewritten(message.Body, request) : null;
            bool move = body is not null;
            if (move)
            {
                matched++;
                if (!request.DryRun)
                {
                    if (pace is not null)
                    {
                        using var lease = await pace.AcquireAsync(1, cancellationToken).ConfigureAwait(false);
                    }

                    await publisher.PublishAsync(QueueNames.Intake, body!.Value, ForIntake(message), cancellationToken).ConfigureAwait(false);
                    await channel.BasicAckAsync(message.DeliveryTag, multiple: false, cancellationToken).ConfigureAwait(false);
                    moved++;
                }
            }

            if (scanned % 100 == 0)
            {
                progress?.Invoke(new RedriveSummary(scanned, matched, moved));
            }

            return move && !request.DryRun;
        }, cancellationToken).ConfigureAwait(false);

        await channel.CloseAsync(cancellationToken).ConfigureAwait(false);
        var summary = new RedriveSummary(scanned, matched, moved);
        progress?.Invoke(summary);
        return summary;
    }

    /// <summary>
    /// The body to re-drive: as held, or with the operator's overrides (<c>--not-after</c>, <c>--egress</c>) written into the
    /// contract JSON. Null when overrides are asked for and the body is not contract JSON (invalid input stays where it is).
    /// </summary>
    private static ReadOnlyMemory<byte>? Rewritten(ReadOnlyMemory<byte> body, RedriveRequest request)
    {
        if (request.NotAfter is null && request.Egress is null)
        {
            return body;
        }

        try
        {
            var mail = OutboundMailJson.Deserialize(body.Span);
            return OutboundMailJson.Serialize(mail with { NotAfter = request.NotAfter ?? mail.NotAfter, Egress = request.Egress ?? mail.Egress });
        }
        catch (System.Text.Json.JsonException)
        {
            return null;
        }
    }

    /// <summary>The held message's identity and recipients, without its failure state, with one more redrive counted.</summary>
    private static BasicProperties ForIntake(HeldMessage message) => NextHop.From(message.Properties,
    [
        new(MailHeaders.Redrives, (long)message.Redrives + 1),
        new(MailHeaders.Reason, null),
        new(MailHeaders.Detail, null),
        new(MailHeaders.SettledAt, null),
        new(MailHeaders.NotBefore, null),
        new(MailHeaders.Slotted, null),
        new(MailHeaders.LastReply, null),
        new(MailHeaders.Attempts, null),
        new(MailHeaders.AcceptedAt, null),
        new(MailHeaders.Domain, null),
    ]);
}

/// <summary>Which held messages to move back into intake, how fast, and what to change on the way.</summary>
/// <param name="From">The holding queue.</param>
/// <param name="Filter">Which of its messages.</param>
/// <param name="Limit">At most this many.</param>
/// <param name="PerSecond">At most this many a second.</param>
/// <param name="DryRun">Count only.</param>
/// <param name="NotAfter">Overrides the messages' <c>notAfter</c> (a message held because it passed it would only be held again).</param>
/// <param name="Egress">Overrides the messages' <c>egress</c> (another route).</param>
public sealed record RedriveRequest(
    HoldingArea From, HeldMessageFilter Filter, int? Limit = null, int? PerSecond = null, bool DryRun = false, DateTimeOffset? NotAfter = null, string? Egress = null);

/// <summary>Messages looked at, matching the filter (within the limit), and moved.</summary>
public sealed record RedriveSummary(int Scanned, int Matched, int Moved);
