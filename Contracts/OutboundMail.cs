namespace Sluice.Contracts;

/// <summary>
/// Producer contract v1: one outbound email, published as JSON to the <c>mail.outbound</c> exchange.
/// Either the rendered fields (<see cref="Subject"/>, <see cref="Text"/>/<see cref="Html"/>,
/// <see cref="Attachments"/>) or a complete RFC 5322 message in <see cref="Mime"/>; the envelope
/// (<see cref="From"/> and the recipients) is always given, so Bcc never has to be parsed out of headers.
/// The JSON Schema <c>Contracts/Schema/outbound-mail.v1.schema.json</c> describes the same shape.
/// </summary>
/// <remarks>
/// The source-generated deserializer assigns every init property, passing null for absent ones; the
/// list and map setters turn that null back into empty. An explicit JSON null is still refused
/// (non-nullable annotations are enforced before the setter runs).
/// </remarks>
public sealed record OutboundMail
{
    /// <summary>The only version this contract describes.</summary>
    public const int CurrentSchemaVersion = 1;

    public required int SchemaVersion { get; init; }

    /// <summary>The producer's idempotency key: the same id is delivered at most once.</summary>
    public required string Id { get; init; }

    /// <summary>The client account the mail is sent for (a limit partition of its own).</summary>
    public required string Tenant { get; init; }

    public required EmailAddress From { get; init; }

    public IReadOnlyList<EmailAddress> To { get; init => field = value ?? []; } = [];

    public IReadOnlyList<EmailAddress> Cc { get; init => field = value ?? []; } = [];

    public IReadOnlyList<EmailAddress> Bcc { get; init => field = value ?? []; } = [];

    public EmailAddress? ReplyTo { get; init; }

    public string? Subject { get; init; }

    public string? Text { get; init; }

    public string? Html { get; init; }

    /// <summary>Extra header fields (name → value), e.g. <c>X-Ticket-Id</c>.</summary>
    public IReadOnlyDictionary<string, string> Headers { get; init => field = value ?? new Dictionary<string, string>(); } = new Dictionary<string, string>();

    public IReadOnlyList<MailAttachment> Attachments { get; init => field = value ?? []; } = [];

    /// <summary>When the producer created the message.</summary>
    public required DateTimeOffset CreatedAt { get; init; }

    /// <summary>Give up (park the message) if it is not delivered by then.</summary>
    public DateTimeOffset? NotAfter { get; init; }

    public MailPriority Priority { get; init; } = MailPriority.Transactional;

    /// <summary>Route name: which egress (smarthost / sending identity) sends it. Empty means the default.</summary>
    public string? Egress { get; init; }

    /// <summary>A complete RFC 5322 message (base64 in JSON), for producers that render their own.</summary>
    public byte[]? Mime { get; init; }

    /// <summary>Every recipient of the envelope: To, Cc and Bcc.</summary>
    public IEnumerable<EmailAddress> AllRecipients() => To.Concat(Cc).Concat(Bcc);
}
