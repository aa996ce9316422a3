namespace Sluice.Contracts.Validation;

/// <summary>
/// The textual rules of the contract, shared by the C# validator and the JSON Schema (a test checks
/// that the schema uses exactly these strings followed by <c>$</c>). They are written without the end
/// anchor because .NET's <c>$</c> also matches before a final newline; the validator anchors with <c>\z</c>.
/// </summary>
public static class ContractPatterns
{
    private const string AddressChar = """[^\s@<>()\[\],;:\\"]""";
    private const string DomainChar = """[^\s@.<>()\[\],;:\\"]""";

    /// <summary>local@domain, no display name, no quoted local part; IDN domains allowed.</summary>
    public const string Address = "^" + AddressChar + "{1,64}@(?:" + DomainChar + "{1,63}\\.)+" + DomainChar + "{2,63}";

    /// <summary>The idempotency key: printable ASCII without spaces.</summary>
    public const string Id = "^[\\x21-\\x7E]{1,200}";

    /// <summary>The client account: printable ASCII without spaces.</summary>
    public const string Tenant = "^[\\x21-\\x7E]{1,100}";

    /// <summary>An egress (route) name: usable inside a queue name.</summary>
    public const string Egress = "^[a-z0-9][a-z0-9-]{0,62}";

    /// <summary>An RFC 5322 header field name: printable ASCII except the colon.</summary>
    public const string HeaderName = "^[!-9;-~]{1,76}";

    /// <summary>A MIME type such as <c>application/pdf</c>.</summary>
    public const string ContentType = "^[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}";
}
