namespace Sluice.Contracts.Validation;

/// <summary>One broken rule: the JSON path of the field (e.g. <c>to[1].address</c>) and what is wrong.</summary>
public sealed record ContractViolation(string Field, string Message)
{
    public override string ToString() => $"{Field}: {Message}";
}
