namespace Sluice.Contracts.Events;

/// <summary>
/// What happened to one recipient of one message, published by the worker to the topic exchange
/// <see cref="DeliveryEventWire.Exchange"/> so a producer can follow its mail (mark an address bouncing,
/// show "delivered" on a ticket). Versioned like the outbound contract; the JSON Schema
/// <c>Contracts/Schema/delivery-event.v1.schema.json</c> describes it for any language.
/// Events are at least once: a consumer may see one twice, and should key on (id, recipient, outcome, at).
/// </summary>
public sealed record DeliveryEvent
{
    public const int CurrentSchemaVersion = 1;

    public required int SchemaVersion { get; init; }

    /// <summary>The producer's message id.</summary>
    public required string Id { get; init; }

    /// <summary>The producer's client tenant.</summary>
    public required string Tenant { get; init; }

    /// <summary>The recipient (normalised: punycode, lower-case domain).</summary>
    public required string Recipient { get; init; }

    /// <summary>One of <see cref="DeliveryOutcomes"/>.</summary>
    public required string Outcome { get; init; }

    /// <summary>The egress (route) the worker used.</summary>
    public required string Egress { get; init; }

    /// <summary>When the outcome was settled.</summary>
    public required DateTimeOffset At { get; init; }

    /// <summary>How many SMTP attempts the message has had, this one included.</summary>
    public required int Attempt { get; init; }

    /// <summary>The receiver's reply that decided the outcome, when there was one (e.g. <c>550 5.1.1 unknown user</c>).</summary>
    public string? Reply { get; init; }

    /// <summary>For <c>failed</c> and <c>parked</c>: the reason, as <c>sluice inspect</c> shows it (e.g. <c>smtp-rejected</c>, <c>retry-budget-spent</c>).</summary>
    public string? Reason { get; init; }

    /// <summary>What the worker says about the outcome, for people (e.g. why a message was parked).</summary>
    public string? Detail { get; init; }

    /// <summary>For <c>deferred</c>, <c>throttled</c>, <c>banned</c> and <c>uncertain</c>: the earliest next attempt.</summary>
    public DateTimeOffset? NextAttemptAt { get; init; }
}

/// <summary>The outcomes a <see cref="DeliveryEvent"/> reports.</summary>
public static class DeliveryOutcomes
{
    /// <summary>The receiver accepted the recipient (a 2xx reply). Final.</summary>
    public const string Delivered = "delivered";

    /// <summary>A temporary refusal; the worker tries again later.</summary>
    public const string Deferred = "deferred";

    /// <summary>The receiver asked for fewer messages; the worker slows down and tries again later.</summary>
    public const string Throttled = "throttled";

    /// <summary>The receiver refused the sender as a whole; the egress is suspended and the mail waits.</summary>
    public const string Banned = "banned";

    /// <summary>A permanent refusal or invalid mail; held in <c>mail.failed</c>. Final unless re-driven.</summary>
    public const string Failed = "failed";

    /// <summary>Retries spent, expired, or the outcome stayed unknown; held in <c>mail.parked</c>. Final unless re-driven.</summary>
    public const string Parked = "parked";

    /// <summary>Already delivered under this id (a repeated publish or a redelivery); not sent again.</summary>
    public const string Duplicate = "duplicate";

    /// <summary>The connection failed after the data was sent: it may have been delivered; tried again within a small budget.</summary>
    public const string Uncertain = "uncertain";

    public static IReadOnlyList<string> All { get; } = [Delivered, Deferred, Throttled, Banned, Failed, Parked, Duplicate, Uncertain];
}
