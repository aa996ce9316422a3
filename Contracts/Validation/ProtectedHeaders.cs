using System.Collections.Frozen;
using System.Text;

namespace Sluice.Contracts.Validation;

/// <summary>
/// Header fields a producer may not set. Two kinds: the fields Sluice writes from the contract's own
/// fields (a second From or a Content-Type before the real one would make the message say something
/// other than its envelope and body), and the trace and authentication fields that only receivers and
/// signers write (a producer's <c>Authentication-Results: dkim=pass</c> is a forgery). The producer's
/// <c>headers</c> may name neither; a producer's <c>mime</c> may carry the rendered kind (it is a
/// complete message) but never the trace kind.
/// </summary>
public static class ProtectedHeaders
{
    /// <summary>Fields Sluice renders from <c>from</c>, the recipients, <c>subject</c>, <c>createdAt</c>, <c>id</c> and the body.</summary>
    public static readonly IReadOnlyList<string> Rendered =
        ["From", "Sender", "To", "Cc", "Bcc", "Reply-To", "Subject", "Date", "Message-ID", "MIME-Version"];

    /// <summary>Prefixes of rendered fields: the body's <c>Content-*</c> and the <c>Resent-*</c> block.</summary>
    public static readonly IReadOnlyList<string> RenderedPrefixes = ["Content-", "Resent-"];

    /// <summary>Fields written on the way (by receivers, relays and signers), never by the sender's application.</summary>
    public static readonly IReadOnlyList<string> Trace =
    [
        "Return-Path", "Received", "Received-SPF", "Authentication-Results", "DKIM-Signature",
        "DomainKey-Signature", "Delivered-To", "X-Original-To",
    ];

    /// <summary>Prefixes of trace fields: the ARC set.</summary>
    public static readonly IReadOnlyList<string> TracePrefixes = ["ARC-"];

    /// <summary>
    /// The JSON Schema form of "a protected name" (anchored, case-insensitive by character classes,
    /// because ECMAScript patterns have no inline flags); the schema refuses such property names.
    /// </summary>
    public static readonly string SchemaPattern = BuildSchemaPattern();

    private static readonly FrozenSet<string> RenderedSet = Rendered.ToFrozenSet(StringComparer.OrdinalIgnoreCase);
    private static readonly FrozenSet<string> TraceSet = Trace.ToFrozenSet(StringComparer.OrdinalIgnoreCase);

    /// <summary>True when a producer's <c>headers</c> may not name <paramref name="field"/>.</summary>
    public static bool RefusedInHeaders(string field) => IsRendered(field) || IsTrace(field);

    /// <summary>True for a trace or authentication field, refused in a producer's <c>mime</c> too.</summary>
    public static bool IsTrace(string field)
    {
        ArgumentNullException.ThrowIfNull(field);
        return TraceSet.Contains(field) || TracePrefixes.Any(p => field.StartsWith(p, StringComparison.OrdinalIgnoreCase));
    }

    private static bool IsRendered(string field) =>
        RenderedSet.Contains(field) || RenderedPrefixes.Any(p => field.StartsWith(p, StringComparison.OrdinalIgnoreCase));

    private static string BuildSchemaPattern()
    {
        var whole = Rendered.Concat(Trace).Select(Caseless);
        var prefixes = RenderedPrefixes.Concat(TracePrefixes).Select(p => Caseless(p) + ".*");
        return "^(?:" + string.Join("|", whole.Concat(prefixes)) + ")$";
    }

    private static string Caseless(string text)
    {
        var pattern = new StringBuilder();
        foreach (char c in text)
        {
            pattern.Append(char.IsAsciiLetter(c) ? $"[{char.ToUpperInvariant(c)}{char.ToLowerInvariant(c)}]" : c.ToString());
        }

        return pattern.ToString();
    }
}
