using System.Globalization;
using System.Text.RegularExpressions;

namespace Sluice.Contracts.Validation;

/// <summary>
/// Checks an address against the contract and rewrites its domain to lower-case ASCII (IDN → punycode,
/// IDNA 2008 / UTS 46 with STD3 rules), so that routing keys and limit partitions are the same for
/// <c>Bücher.example</c> and <c>xn--bcher-kva.example</c>. The local part is kept as written: it is
/// case-sensitive by RFC 5321 and may be UTF-8 (SMTPUTF8).
/// </summary>
public static partial class EmailAddressNormalizer
{
    /// <summary>The longest address SMTP can carry (RFC 5321 path, less its angle brackets).</summary>
    public const int MaxLength = 254;

    private static readonly IdnMapping Idn = new() { UseStd3AsciiRules = true, AllowUnassigned = false };

    [GeneratedRegex(ContractPatterns.Address + @"\z", RegexOptions.CultureInvariant)]
    private static partial Regex AddressShape();

    /// <summary>Returns the normalised address, or null with <paramref name="error"/> set.</summary>
    public static string? TryNormalize(string? address, out string? error)
    {
        if (string.IsNullOrEmpty(address))
        {
            error = "is required";
            return null;
        }

        if (!AddressShape().IsMatch(address))
        {
            error = $"'{PrintableText.Escape(address)}' is not a plain email address (local@domain: a dot-atom local part of at most 64 characters, no display name, no quotes or control characters)";
            return null;
        }

        int at = address.LastIndexOf('@');
        string? domain = TryNormalizeDomain(address[(at + 1)..]);
        if (domain is null)
        {
            error = $"'{PrintableText.Escape(address)}' has a domain that is not a valid host name";
            return null;
        }

        string normalized = string.Concat(address.AsSpan(0, at + 1), domain);
        if (normalized.Length > MaxLength)
        {
            // RFC 5321's path holds 256 octets with its angle brackets: longer addresses cannot be sent.
            error = $"'{PrintableText.Escape(address)}' is longer than {MaxLength} characters";
            return null;
        }

        error = null;
        return normalized;
    }

    /// <summary>The lower-case ASCII (punycode) form of a domain, or null when it is not a valid host name.</summary>
    public static string? TryNormalizeDomain(string domain)
    {
        try
        {
            string ascii = Idn.GetAscii(domain).ToLowerInvariant();
            return ascii.Length <= 253 && ascii.Contains('.', StringComparison.Ordinal) ? ascii : null;
        }
        catch (ArgumentException)
        {
            return null;
        }
    }

    /// <summary>The domain part of an address that <see cref="TryNormalize"/> accepted.</summary>
    public static string DomainOf(string normalizedAddress) =>
        normalizedAddress[(normalizedAddress.LastIndexOf('@') + 1)..];
}
