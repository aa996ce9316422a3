namespace Sluice.Simulator;

/// <summary>
/// How the simulated receiver treats recipients of the domains a rule matches. The first matching
/// rule of <see cref="SimulatorOptions.Rules"/> applies; a domain no rule matches accepts everything.
/// </summary>
public sealed class DomainRule
{
    /// <summary><c>example.com</c> (exact), <c>*.example.com</c> (subdomains and the domain itself) or <c>*</c> (any).</summary>
    public string Pattern { get; set; } = "*";

    /// <summary>
    /// <c>Domain</c>: every matching domain has its own window. <c>Rule</c>: all matching domains share
    /// one window (a provider hosting many customer domains, as Microsoft's edge does).
    /// </summary>
    public LimitScope Scope { get; set; } = LimitScope.Domain;

    /// <summary>Recipients accepted per <see cref="Window"/>; null means no limit.</summary>
    public int? Limit { get; set; }

    public TimeSpan Window { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>The reply to a recipient past the limit.</summary>
    public string ThrottleReply { get; set; } = "451 4.7.500 Server busy. Please try again later.";

    /// <summary>After this many throttle replies the sender is banned (null: never).</summary>
    public int? BanAfterThrottles { get; set; }

    /// <summary>The reply to every recipient once banned.</summary>
    public string BanReply { get; set; } = "550 5.7.705 Access denied, tenant has exceeded threshold.";

    /// <summary>Recipients accepted in one SMTP transaction; past that, <see cref="TooManyRecipientsReply"/> (null: no cap).</summary>
    public int? MaxRecipientsPerTransaction { get; set; }

    public string TooManyRecipientsReply { get; set; } = "452 4.5.3 Too many recipients";

    /// <summary>Local parts that do not exist.</summary>
    public List<string> UnknownUsers { get; set; } = [];

    public string UnknownUserReply { get; set; } = "550 5.1.1 Recipient address rejected: User unknown.";

    /// <summary>The first N attempts for each recipient get <see cref="TemporaryFailureReply"/> (greylisting).</summary>
    public int TemporaryFailuresPerRecipient { get; set; }

    public string TemporaryFailureReply { get; set; } = "451 4.3.0 Temporary failure, please try again later.";

    /// <summary>
    /// Store the message, then hang up instead of answering the end of DATA (a receiver or filter that
    /// crashes there): the sender cannot know the message arrived, and it did.
    /// </summary>
    public bool HangUpAfterData { get; set; }

    public bool Matches(string domain) => Pattern switch
    {
        "*" => true,
        _ when Pattern.StartsWith("*.", StringComparison.Ordinal) =>
            domain.Equals(Pattern[2..], StringComparison.OrdinalIgnoreCase) ||
            domain.EndsWith(Pattern[1..], StringComparison.OrdinalIgnoreCase),
        _ => domain.Equals(Pattern, StringComparison.OrdinalIgnoreCase),
    };

    /// <summary>The key whose window a recipient of <paramref name="domain"/> counts in.</summary>
    public string PartitionFor(string domain) => Scope == LimitScope.Rule ? Pattern : domain.ToLowerInvariant();
}

public enum LimitScope
{
    Domain,
    Rule,
}
