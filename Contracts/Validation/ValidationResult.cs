namespace Sluice.Contracts.Validation;

/// <summary>The outcome of <see cref="OutboundMailValidator.Validate"/>: the normalised mail, or the violations.</summary>
public sealed record ValidationResult(OutboundMail? Mail, IReadOnlyList<ContractViolation> Violations)
{
    public bool IsValid => Mail is not null;
}
