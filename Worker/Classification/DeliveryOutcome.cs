namespace Sluice.Worker.Classification;

/// <summary>What a reply means for the message (docs/architecture.md, How Sluice drains: classification).</summary>
public enum DeliveryOutcome
{
    /// <summary>Accepted: ack.</summary>
    Delivered,

    /// <summary>Try again later, with exponential backoff (an ordinary 4xx).</summary>
    Deferred,

    /// <summary>The receiver wants fewer messages: retry later and cool the domain down. Never bounced.</summary>
    Throttled,

    /// <summary>Permanent: to <c>mail.failed</c> with the reply.</summary>
    Failed,

    /// <summary>
    /// The sender is refused as a whole (e.g. Microsoft's 5.7.705 tenant threshold): what the rule's
    /// <see cref="BanScope"/> names (the egress, or the one partition) is suspended and every message is
    /// kept; nothing is bounced.
    /// </summary>
    Banned,

    /// <summary>Too many recipients in one transaction: retry the recipients in two smaller groups.</summary>
    SplitAndRetry,
}
