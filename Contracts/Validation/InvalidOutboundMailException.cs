namespace Sluice.Contracts.Validation;

/// <summary>Thrown by the publisher when a message breaks the contract; nothing was published.</summary>
public sealed class InvalidOutboundMailException : Exception
{
    public InvalidOutboundMailException(IReadOnlyList<ContractViolation> violations)
        : base("Invalid outbound mail: " + string.Join("; ", violations))
    {
        Violations = violations;
    }

    public InvalidOutboundMailException()
        : this([])
    {
    }

    public InvalidOutboundMailException(string message)
        : base(message)
    {
        Violations = [];
    }

    public InvalidOutboundMailException(string message, Exception innerException)
        : base(message, innerException)
    {
        Violations = [];
    }

    public IReadOnlyList<ContractViolation> Violations { get; }
}
