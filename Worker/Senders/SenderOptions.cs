namespace Sluice.Worker.Senders;

/// <summary>
/// Which sender domains each client tenant may use (configuration section <c>Senders</c>). A relay that
/// sends for many clients must not let one client send as another (or as anyone): under
/// <see cref="SenderPolicy.Allowlist"/>, mail whose envelope sender or From is outside its tenant's
/// domains goes to <c>mail.failed</c> with reason <c>sender-not-allowed</c>.
/// </summary>
public sealed class SenderOptions
{
    public const string SectionName = "Senders";

    public SenderPolicy Policy { get; set; } = SenderPolicy.Open;

    /// <summary>
    /// Tenant → the domains it sends from. An entry covers the domain and its subdomains
    /// (<c>example.com</c> allows <c>mail.example.com</c>), as DMARC's relaxed alignment does.
    /// </summary>
    public Dictionary<string, List<string>> Tenants { get; set; } = new(StringComparer.Ordinal);
}

/// <summary>Whether sender domains are checked.</summary>
public enum SenderPolicy
{
    /// <summary>Any sender (a warning is logged at start): for a relay that serves one organisation.</summary>
    Open,

    /// <summary>Only the domains listed for the message's tenant.</summary>
    Allowlist,
}
