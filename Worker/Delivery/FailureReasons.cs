namespace Sluice.Worker.Delivery;

/// <summary>The values of the <c>sluice-reason</c> header.</summary>
public static class FailureReasons
{
    /// <summary>The body is not JSON, or not the contract's shape.</summary>
    public const string InvalidJson = "invalid-json";

    /// <summary>The body is contract JSON but breaks a rule (schema version, address, size, ...).</summary>
    public const string InvalidContract = "invalid-contract";

    /// <summary>The message names an egress this deployment does not have.</summary>
    public const string UnknownEgress = "unknown-egress";

    /// <summary>An egress queue message without Sluice's envelope headers.</summary>
    public const string InvalidEnvelope = "invalid-envelope";

    /// <summary>The receiver answered 5xx: permanent failure, the reply is in <c>sluice-detail</c>.</summary>
    public const string Rejected = "smtp-rejected";

    /// <summary>Retries exhausted (attempts or age); parked for a later re-drive.</summary>
    public const string RetryBudgetSpent = "retry-budget-spent";

    /// <summary>The producer's <c>notAfter</c> passed before delivery; parked.</summary>
    public const string Expired = "not-after-passed";

    /// <summary>The producer's MIME could not be read.</summary>
    public const string InvalidMime = "invalid-mime";

    /// <summary>The envelope sender or a From/Sender address is outside the tenant's sender domains (<c>Senders</c>).</summary>
    public const string SenderNotAllowed = "sender-not-allowed";

    /// <summary>A recipient (or the sender) that the SMTP library cannot put on the wire; the others are still sent.</summary>
    public const string InvalidAddress = "invalid-address";

    /// <summary>
    /// The message could not be settled, again and again, until its queue's delivery limit (the worker
    /// moved it itself on the last try; the broker's own dead-lettering at the limit reads the same).
    /// </summary>
    public const string DeliveryLimit = "delivery-limit";

    /// <summary>The connection failed after the receiver accepted recipients, more often than <c>Retry:UncertainRetries</c> allows; parked.</summary>
    public const string UncertainDelivery = "uncertain-delivery";
}
