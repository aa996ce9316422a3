using System.ComponentModel.DataAnnotations;

namespace Sluice.Worker.Signing;

/// <summary>
/// The sender preflight (configuration section <c>Preflight</c>): every configured sender domain (those of
/// <c>Senders:Tenants</c> and of <c>Dkim:Keys</c>) is checked at start and then every <see cref="Interval"/>, as
/// <c>sluice check-sender</c> does, against the default route's sending addresses.
/// </summary>
public sealed class PreflightOptions
{
    public const string SectionName = "Preflight";

    public bool Enabled { get; set; } = true;

    /// <summary>How often the domains are checked again.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "7.00:00:00")]
    public TimeSpan Interval { get; set; } = TimeSpan.FromHours(1);

    /// <summary>What a domain that fails gets: <c>Warn</c> (logged, a metric and a status line; its mail is sent) or <c>Hold</c> (its mail waits).</summary>
    public PreflightPolicy Policy { get; set; } = PreflightPolicy.Warn;
}

/// <summary>What a sender domain that fails the preflight gets.</summary>
public enum PreflightPolicy
{
    /// <summary>Sent anyway; the failure is logged, exported and shown in status.</summary>
    Warn,

    /// <summary>Its mail waits (rechecked every <c>Scheduler:PausedRecheck</c>) until the domain passes: sending it would be refused and hurt the relay's reputation for every client.</summary>
    Hold,
}
