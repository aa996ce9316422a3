using RabbitMQ.Client;
using Sluice.Worker.Delivery;
using Sluice.Worker.Telemetry;

namespace Sluice.Worker.Settlement;

/// <summary>Builds the properties of a message's next hop: the original's identity plus changed headers.</summary>
public static class NextHop
{
    /// <summary>
    /// The first hop of a producer's message: its identity (message id, content type, timestamp,
    /// correlation id, W3C trace context) but none of its other headers. Headers are the worker's own from here
    /// on: a producer's header can neither pass for an internal one nor make a hop too large for a broker frame.
    /// </summary>
    public static BasicProperties Fresh(IReadOnlyBasicProperties original, IEnumerable<KeyValuePair<string, object?>> headers)
    {
        ArgumentNullException.ThrowIfNull(original);
        var kept = new Dictionary<string, object?>(StringComparer.Ordinal);
        SluiceActivities.CarryOver(original.Headers, kept);
        return Build(original, kept, headers);
    }

    public static BasicProperties From(IReadOnlyBasicProperties original, IEnumerable<KeyValuePair<string, object?>> changedHeaders)
    {
        ArgumentNullException.ThrowIfNull(original);
        var headers = original.Headers is null
            ? new Dictionary<string, object?>(StringComparer.Ordinal)
            : new Dictionary<string, object?>(original.Headers, StringComparer.Ordinal);
        return Build(original, headers, changedHeaders);
    }

    private static BasicProperties Build(IReadOnlyBasicProperties original, Dictionary<string, object?> headers, IEnumerable<KeyValuePair<string, object?>> changedHeaders)
    {
        ArgumentNullException.ThrowIfNull(changedHeaders);

        // The broker's own dead-letter bookkeeping describes the previous hop, not this one.
        headers.Remove("x-death");
        headers.Remove("x-first-death-exchange");
        headers.Remove("x-first-death-queue");
        headers.Remove("x-first-death-reason");
        headers.Remove("x-last-death-exchange");
        headers.Remove("x-last-death-queue");
        headers.Remove("x-last-death-reason");
        headers.Remove("x-delivery-count");
        foreach (var (name, value) in changedHeaders)
        {
            if (value is null)
            {
                headers.Remove(name);
            }
            else
            {
                headers[name] = value;
            }
        }

        // The next hop continues the trace from the span that sends it on.
        SluiceActivities.Inject(headers);
        return new BasicProperties
        {
            MessageId = original.MessageId,
            ContentType = original.ContentType,
            Type = original.Type,
            Timestamp = original.Timestamp,
            CorrelationId = original.CorrelationId,
            DeliveryMode = DeliveryModes.Persistent,
            Headers = headers,
        };
    }

    /// <summary>Headers that send a message to <c>mail.failed</c> or <c>mail.parked</c> at <paramref name="at"/>.</summary>
    public static KeyValuePair<string, object?>[] Reason(string reason, string detail, DateTimeOffset at) =>
    [
        new(MailHeaders.Reason, reason),
        new(MailHeaders.Detail, Truncate(detail, 4000)),
        new(MailHeaders.SettledAt, at.ToUnixTimeMilliseconds()),
    ];

    private static string Truncate(string text, int max) => text.Length <= max ? text : text[..max] + "…";
}
