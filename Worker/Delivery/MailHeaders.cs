using System.Text;

namespace Sluice.Worker.Delivery;

/// <summary>
/// The AMQP headers Sluice adds as a message moves through its queues. Producers never set them;
/// operators see them in <c>mail.failed</c> and <c>mail.parked</c>.
/// </summary>
public static class MailHeaders
{
    /// <summary>Why the message is in <c>mail.failed</c> or <c>mail.parked</c> (a short code, see <see cref="FailureReasons"/>).</summary>
    public const string Reason = "sluice-reason";

    /// <summary>Human-readable detail: the validation errors or the SMTP reply.</summary>
    public const string Detail = "sluice-detail";

    /// <summary>The recipient domain of an egress message.</summary>
    public const string Domain = "sluice-domain";

    /// <summary>The provider hosting that domain, when intake resolved one (then it is the limit partition).</summary>
    public const string Provider = "sluice-provider";

    /// <summary>The envelope recipients this copy is for (JSON array): one domain's share of the message.</summary>
    public const string Recipients = "sluice-recipients";

    /// <summary>SMTP attempts so far.</summary>
    public const string Attempts = "sluice-attempts";

    /// <summary>When intake accepted the message (Unix milliseconds): the retry budget counts from here.</summary>
    public const string AcceptedAt = "sluice-accepted-at";

    /// <summary>Sends of this message whose outcome was lost (see <c>Retry:UncertainRetries</c>).</summary>
    public const string Uncertain = "sluice-uncertain";

    /// <summary>Do not try before this time (Unix milliseconds).</summary>
    public const string NotBefore = "sluice-not-before";

    /// <summary>Set when <see cref="NotBefore"/> is a reserved slot of the domain's rate (not a backoff).</summary>
    public const string Slotted = "sluice-slotted";

    /// <summary>The last SMTP reply.</summary>
    public const string LastReply = "sluice-last-reply";

    /// <summary>When the message entered <c>mail.failed</c> or <c>mail.parked</c> (Unix milliseconds).</summary>
    public const string SettledAt = "sluice-settled-at";

    /// <summary>How many times an operator re-drove the message (<c>sluice redrive</c>): loops show here.</summary>
    public const string Redrives = "sluice-redrives";

    /// <summary>The egress the message was routed to.</summary>
    public const string Egress = "sluice-egress";

    /// <summary>The egress a ban suspended when this copy was moved to its fallback egress (it is not moved on again).</summary>
    public const string ReroutedFrom = "sluice-rerouted-from";

    /// <summary>Why intake chose that egress: <c>field</c>, <c>rule N: …</c> or <c>default</c>.</summary>
    public const string Route = "sluice-route";

    public static string? GetString(IDictionary<string, object?>? headers, string name) =>
        headers is not null && headers.TryGetValue(name, out object? value) ? value switch
        {
            byte[] bytes => Encoding.UTF8.GetString(bytes),
            string text => text,
            null => null,
            _ => Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture),
        } : null;

    public static long? GetLong(IDictionary<string, object?>? headers, string name) =>
        headers is not null && headers.TryGetValue(name, out object? value) ? value switch
        {
            long l => l,
            int i => i,
            short s => s,
            byte b => b,
            bool flag => flag ? 1 : 0,
            _ => null,
        } : null;
}
