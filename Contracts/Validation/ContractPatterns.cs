namespace Sluice.Contracts.Validation;

/// <summary>
/// The textual rules of the contract, shared by the C# validator and the JSON Schema (a test checks
/// that the schema uses exactly these strings followed by <c>$</c>). They are written without the end
/// anchor because .NET's <c>$</c> also matches before a final newline; the validator anchors with <c>\z</c>.
/// </summary>
public static class ContractPatterns
{
    /// <summary>
    /// One character of an RFC 5321 atom: RFC 5322 <c>atext</c>, or any non-ASCII character (RFC 6531)
    /// except C1 controls and the invisible spaces and separators. No control character, quote, space
    /// or bracket: every address the contract accepts is one MimeKit parses and SMTP can carry unquoted.
    /// </summary>
    private const string AtomChar = "(?:[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]|[^\\x00-\\x9F\\u00A0\\u2000-\\u200F\\u2028-\\u202F\\u3000\\uFEFF])";

    private const string DomainChar = """[^\s@.<>()\[\],;:\\"]""";

    /// <summary>
    /// local@domain: the local part is a dot-atom of 1-64 characters (no leading, trailing or double dot,
    /// no quoted form, no display name); IDN domains are allowed and checked further by IDNA rules.
    /// </summary>
    public const string Address = "^(?=[^@]{1,64}@)" + AtomChar + "+(?:\\." + AtomChar + "+)*@(?:" + DomainChar + "{1,63}\\.)+" + DomainChar + "{2,63}";

    /// <summary>The idempotency key: printable ASCII without spaces.</summary>
    public const string Id = "^[\\x21-\\x7E]{1,200}";

    /// <summary>The client account: printable ASCII without spaces.</summary>
    public const string Tenant = "^[\\x21-\\x7E]{1,100}";

    /// <summary>An egress (route) name: usable inside a queue name.</summary>
    public const string Egress = "^[a-z0-9][a-z0-9-]{0,62}";

    /// <summary>An RFC 5322 header field name: printable ASCII except the colon.</summary>
    public const string HeaderName = "^[!-9;-~]{1,76}";

    /// <summary>
    /// What a header field value must not contain: a line break (it would inject fields or a body) or any
    /// other control character (tab is allowed, as RFC 5322 allows it).
    /// </summary>
    public const string HeaderValueForbidden = "[\\x00-\\x08\\x0A-\\x1F\\x7F]";

    /// <summary>A MIME type such as <c>application/pdf</c>.</summary>
    public const string ContentType = "^[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}";
}
