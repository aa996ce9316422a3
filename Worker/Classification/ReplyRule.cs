using System.Text.RegularExpressions;

namespace Sluice.Worker.Classification;

/// <summary>
/// One row of the reply table: every condition given must match; the first matching row wins.
/// Conditions: the basic <see cref="Code"/> (<c>451</c>, or a class like <c>4xx</c>), the
/// <see cref="Enhanced"/> code (<c>4.7.500</c>, a prefix like <c>4.7.</c>), and a case-insensitive
/// regular expression over the reply text.
/// </summary>
public sealed class ReplyRule
{
    public string? Code { get; set; }

    public string? Enhanced { get; set; }

    public string? Text { get; set; }

    public DeliveryOutcome Outcome { get; set; }

    /// <summary>For <see cref="DeliveryOutcome.Throttled"/>: how long the domain pauses (default <c>Retry:ThrottleCoolDown</c>).</summary>
    public TimeSpan? CoolDown { get; set; }

    /// <summary>For <see cref="DeliveryOutcome.Banned"/>: what the ban suspends, the whole egress (default) or the partition that replied.</summary>
    public BanScope Scope { get; set; } = BanScope.Egress;

    public bool Matches(SmtpReply reply)
    {
        ArgumentNullException.ThrowIfNull(reply);
        return CodeMatches(reply.Code)
            && (Enhanced is null || (reply.EnhancedCode is { } enhanced && EnhancedMatches(enhanced)))
            && (Text is null || Regex.IsMatch(reply.ToString(), Text, RegexOptions.IgnoreCase | RegexOptions.CultureInvariant, TimeSpan.FromMilliseconds(100)));
    }

    private bool CodeMatches(int code)
    {
        if (Code is null)
        {
            return true;
        }

        string actual = code.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return Code.Length == actual.Length
            && Code.Zip(actual).All(pair => pair.First is 'x' or 'X' || pair.First == pair.Second);
    }

    /// <summary>
    /// <c>4.7.500</c> matches itself; <c>4.7.</c> (ending in a dot) matches every code it starts;
    /// <c>5.7.606-649</c> matches a range of the last part.
    /// </summary>
    private bool EnhancedMatches(string enhanced)
    {
        if (Enhanced!.EndsWith('.'))
        {
            return enhanced.StartsWith(Enhanced, StringComparison.Ordinal);
        }

        int dash = Enhanced.IndexOf('-', StringComparison.Ordinal);
        if (dash < 0)
        {
            return enhanced == Enhanced;
        }

        int lastDot = Enhanced.LastIndexOf('.', dash);
        string prefix = Enhanced[..(lastDot + 1)];
        return enhanced.StartsWith(prefix, StringComparison.Ordinal)
            && int.TryParse(enhanced[prefix.Length..], System.Globalization.CultureInfo.InvariantCulture, out int detail)
            && int.TryParse(Enhanced[(lastDot + 1)..dash], System.Globalization.CultureInfo.InvariantCulture, out int from)
            && int.TryParse(Enhanced[(dash + 1)..], System.Globalization.CultureInfo.InvariantCulture, out int to)
            && detail >= from && detail <= to;
    }
}
