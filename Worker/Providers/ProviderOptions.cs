using Microsoft.Extensions.Options;

namespace Sluice.Worker.Providers;

/// <summary>
/// Which provider hosts a recipient domain (configuration section <c>Providers</c>). A provider counts
/// its limits across every domain it hosts (Microsoft 365 hosts hundreds of thousands of customer
/// domains behind <c>*.mail.protection.outlook.com</c>), so a resolved provider becomes the message's
/// limit partition (<c>Limits:Providers</c>).
/// </summary>
public sealed class ProviderOptions
{
    public const string SectionName = "Providers";

    /// <summary>Provider name → how to recognise its domains. Rules are tried by exact domain, then suffix, then MX.</summary>
    public Dictionary<string, ProviderRule> Known { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>The MX lookups behind <see cref="ProviderRule.MxSuffixes"/>.</summary>
    [ValidateObjectMembers]
    public MxLookupOptions Dns { get; set; } = new();
}
