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
    public IntakeDecision Decide(ReadOnlySpan<byte> body)
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

        var shares = normalized.AllRecipients()
            .Select(r => r.Address)
            .Distinct(StringComparer.OrdinalIgnoreCase)
            .GroupBy(EmailAddressNormalizer.DomainOf, StringComparer.Ordinal)
            .Select(g => new DomainShare(g.Key, [.. g]))
            .ToList();
        return new IntakeDecision.Route(egress, normalized.Id, OutboundMailJson.Serialize(normalized), shares);
    }
}
