namespace Sluice.Contracts;

/// <summary>A mailbox: the address and an optional display name.</summary>
public sealed record EmailAddress
{
    /// <summary><c>local@domain</c>; the domain may be an IDN (it is normalised to punycode on publish).</summary>
    public required string Address { get; init; }

    /// <summary>Display name, e.g. <c>Support Desk</c>.</summary>
    public string? Name { get; init; }
}
