namespace Sluice.Worker.Sending.MtaSts;

/// <summary>What a receiving domain's MTA-STS policy asks of senders (RFC 8461 §3.2).</summary>
public enum MtaStsMode
{
    /// <summary>No policy in force: deliver as without one.</summary>
    None,

    /// <summary>Report-only: deliver as without a policy (Sluice sends no TLS reports).</summary>
    Testing,

    /// <summary>Deliver only to an MX host the policy names, over STARTTLS with a certificate valid for that host.</summary>
    Enforce,
}

/// <summary>
/// A domain's MTA-STS policy (RFC 8461 §3.2): its mode, the MX host patterns it allows (<c>mx.example.com</c>, or
/// <c>*.example.com</c> for exactly one more leftmost label), how long it may be cached, and the id of the TXT record
/// that announced it.
/// </summary>
public sealed record MtaStsPolicy(MtaStsMode Mode, IReadOnlyList<string> Mx, TimeSpan MaxAge, string Id)
{
    /// <summary>RFC 8461 §3.2: max_age is at most 31557600 seconds (one year).</summary>
    public static readonly TimeSpan LongestMaxAge = TimeSpan.FromSeconds(31_557_600);

    /// <summary>Does the policy allow this MX host (RFC 8461 §4.1)?</summary>
    public bool Allows(string host)
    {
        ArgumentNullException.ThrowIfNull(host);
        string name = host.TrimEnd('.');
        return Mx.Any(pattern => pattern.StartsWith("*.", StringComparison.Ordinal)
            ? name.EndsWith(pattern[1..], StringComparison.OrdinalIgnoreCase) && name.IndexOf('.', StringComparison.Ordinal) == name.Length - pattern.Length + 1
            : name.Equals(pattern, StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>
    /// Reads a policy file: <c>key: value</c> lines separated by CRLF or LF; <c>version</c> must be <c>STSv1</c>, <c>mode</c>
    /// and <c>max_age</c> must be present, and an enforce or testing policy must name at least one <c>mx</c>. Unknown keys
    /// are ignored (the RFC's extension rule). Null, with <paramref name="problem"/>, when it is not a valid policy.
    /// </summary>
    public static MtaStsPolicy? Parse(string text, string id, out string? problem)
    {
        ArgumentNullException.ThrowIfNull(text);
        string? version = null, mode = null, maxAge = null;
        var mx = new List<string>();
        foreach (string raw in text.Split('\n'))
        {
            string line = raw.TrimEnd('\r');
            int colon = line.IndexOf(':', StringComparison.Ordinal);
            if (line.Trim().Length == 0 || colon <= 0)
            {
                continue;
            }

            string key = line[..colon].Trim();
            string value = line[(colon + 1)..].Trim();
            switch (key)
            {
                case "version": version ??= value; break;
                case "mode": mode ??= value; break;
                case "max_age": maxAge ??= value; break;
                case "mx": mx.Add(value.TrimEnd('.').ToLowerInvariant()); break;
            }
        }

        problem = version != "STSv1" ? $"version is '{version}', not STSv1"
            : mode is not ("enforce" or "testing" or "none") ? $"mode is '{mode}', not enforce, testing or none"
            : !long.TryParse(maxAge, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out long seconds) ? $"max_age '{maxAge}' is not a number of seconds"
            : mode != "none" && mx.Count == 0 ? "it names no mx"
            : null;
        if (problem is not null)
        {
            return null;
        }

        var parsedMode = mode switch { "enforce" => MtaStsMode.Enforce, "testing" => MtaStsMode.Testing, _ => MtaStsMode.None };
        var age = TimeSpan.FromSeconds(Math.Min(long.Parse(maxAge!, System.Globalization.CultureInfo.InvariantCulture), (long)LongestMaxAge.TotalSeconds));
        return new MtaStsPolicy(parsedMode, mx, age, id);
    }

    /// <summary>
    /// The id of a domain's <c>_mta-sts</c> TXT record (RFC 8461 §3.1: <c>v=STSv1; id=…;</c>), or null when it announces no
    /// policy: no record starting with <c>v=STSv1</c>, or more than one (which the RFC says to treat as none).
    /// </summary>
    public static string? AnnouncedId(IEnumerable<string> txt)
    {
        ArgumentNullException.ThrowIfNull(txt);
        var records = txt.Where(t => t.StartsWith("v=STSv1", StringComparison.Ordinal)).ToList();
        if (records.Count != 1)
        {
            return null;
        }

        foreach (string field in records[0].Split(';'))
        {
            string[] pair = field.Split('=', 2, StringSplitOptions.TrimEntries);
            if (pair is ["id", { Length: > 0 and <= 32 } value] && value.All(char.IsAsciiLetterOrDigit))
            {
                return value;
            }
        }

        return null;
    }
}
