using System.Text.Json;
using Sluice.Contracts;
using Sluice.Contracts.Validation;
using Sluice.Worker.Delivery;
using Sluice.Worker.Routing;
using Sluice.Worker.Senders;

namespace Sluice.Worker.Intake;

/// <summary>
/// Intake's pure part: parse and validate a body, check its sender, pick its egress, and split its
/// recipients by domain (each domain is its own limit partition and may be sent at a different time).
/// Never throws on bad input: everything that cannot be routed becomes a <see cref="IntakeDecision.Reject"/>
/// with a reason.
/// </summary>
public sealed class IntakeSplitter(IReadOnlyCollection<string> egresses, ContractLimits limits, SenderAllowlist senders, EgressRouter router)
{
    public IntakeSplitter(IReadOnlyCollection<string> egresses, ContractLimits limits)
        : this(egresses, limits, new SenderAllowlist(new SenderOptions()))
    {
    }

    public IntakeSplitter(IReadOnlyCollection<string> egresses, ContractLimits limits, SenderAllowlist senders)
        : this(egresses, limits, senders, new EgressRouter(new RoutingOptions()))
    {
    }

    /// <param name="body">The message body.</param>
    /// <param name="onlyRecipients">
    /// A JSON array of recipients (the <c>sluice-recipients</c> header of a re-driven copy): route to
    /// these only. Null routes to every recipient. Only Sluice's own hops may pass it, never a producer.
    /// </param>
    public IntakeDecision Decide(ReadOnlySpan<byte> body, string? onlyRecipients = null)
    {
        if (body.Length > limits.MaxMessageBytes)
        {
            // Refused before parsing: a huge body must not cost its size again in objects.
            return new IntakeDecision.Reject(FailureReasons.InvalidContract,
                $"the message is {body.Length} bytes, over the limit of {limits.MaxMessageBytes} (Contract:MaxMessageBytes)");
        }

        OutboundMail mail;
        try
        {
            mail = OutboundMailJson.Deserialize(body);
        }
        catch (JsonException e)
        {
            return new IntakeDecision.Reject(FailureReasons.InvalidJson, e.Message);
        }

        var result = OutboundMailValidator.Validate(mail, limits);
        if (result.Mail is not { } normalized)
        {
            return new IntakeDecision.Reject(FailureReasons.InvalidContract, string.Join("; ", result.Violations));
        }

        if (SenderRefusal(normalized) is { } refusal)
        {
            return refusal;
        }

        var route = router.Choose(normalized);
        string egress = route.Egress;
        if (!egresses.Contains(egress))
        {
            return new IntakeDecision.Reject(FailureReasons.UnknownEgress,
                $"egress '{PrintableText.Escape(egress, 100)}' ({route.Reason}) is not one of this deployment's egresses ({string.Join(", ", egresses)})");
        }

        var recipients = normalized.AllRecipients().Select(r => r.Address);
        if (onlyRecipients is not null)
        {
            if (EgressEnvelope.TryDecodeRecipients(onlyRecipients) is not { } only)
            {
                return new IntakeDecision.Reject(FailureReasons.InvalidEnvelope, $"{MailHeaders.Recipients} is not a JSON array of addresses");
            }

            var wanted = only.Select(a => EmailAddressNormalizer.TryNormalize(a, out _) ?? a).ToHashSet(StringComparer.OrdinalIgnoreCase);
            recipients = recipients.Where(wanted.Contains);
        }

        var shares = recipients
            .Distinct(StringComparer.OrdinalIgnoreCase)
            .GroupBy(EmailAddressNormalizer.DomainOf, StringComparer.Ordinal)
            .Select(g => new DomainShare(g.Key, [.. g]))
            .ToList();
        if (shares.Count == 0)
        {
            return new IntakeDecision.Reject(FailureReasons.InvalidEnvelope, $"{MailHeaders.Recipients} names none of the message's recipients");
        }

        return new IntakeDecision.Route(egress, normalized.Id, normalized.Tenant, OutboundMailJson.Serialize(normalized), shares) { Reason = route.Reason };
    }

    /// <summary>The producer's MIME must be sendable as given, and every author address the tenant's own.</summary>
    private IntakeDecision.Reject? SenderRefusal(OutboundMail mail)
    {
        IEnumerable<(string Field, string Address)> authors = [("from", mail.From.Address)];
        if (mail.Mime is { } mime)
        {
            var inspection = MimeInspector.Inspect(mime);
            if (inspection.Refusal is { } why)
            {
                return new IntakeDecision.Reject(FailureReasons.InvalidMime, why);
            }

            authors = authors.Concat(inspection.Authors.Select(a => ("mime From/Sender", a)));
        }

        foreach (var (field, address) in authors)
        {
            if (senders.Refusal(mail.Tenant, field, address) is { } why)
            {
                return new IntakeDecision.Reject(FailureReasons.SenderNotAllowed, why);
            }
        }

        return null;
    }
}
