using System.Text.Json;
using Sluice.Contracts;
using Sluice.Contracts.Validation;
using Sluice.Worker.Delivery;
using Sluice.Worker.Topology;

namespace Sluice.Worker.Intake;

/// <summary>
/// Intake's pure part: parse and validate a body, pick its egress, and split its recipients by domain
/// (each domain is its own limit partition and may be sent at a different time). Never throws on bad
/// input: everything that cannot be routed becomes a <see cref="IntakeDecision.Reject"/> with a reason.
/// </summary>
public sealed class IntakeSplitter(IReadOnlyCollection<string> egresses, ContractLimits limits)
{
    /// <param name="body">The message body.</param>
    /// <param name="onlyRecipients">
    /// A JSON array of recipients (the <c>sluice-recipients</c> header of a re-driven copy): route to
    /// these only. Null routes to every recipient.
    /// </param>
    public IntakeDecision Decide(ReadOnlySpan<byte> body, string? onlyRecipients = null)
    {
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

        string egress = normalized.Egress ?? QueueNames.DefaultEgress;
        if (!egresses.Contains(egress))
        {
            return new IntakeDecision.Reject(FailureReasons.UnknownEgress,
                $"egress '{egress}' is not one of this deployment's egresses ({string.Join(", ", egresses)})");
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

        return new IntakeDecision.Route(egress, normalized.Id, OutboundMailJson.Serialize(normalized), shares);
    }
}
