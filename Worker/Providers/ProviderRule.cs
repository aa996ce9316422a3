namespace Sluice.Worker.Providers;

/// <summary>How to recognise the domains of one provider.</summary>
public sealed class ProviderRule
{
    /// <summary>Domains the provider owns, e.g. <c>outlook.com</c>, <c>gmail.com</c>.</summary>
    public List<string> Domains { get; set; } = [];

    /// <summary>Domain suffixes, e.g. <c>onmicrosoft.com</c> (matches the domain itself and every subdomain).</summary>
    public List<string> Suffixes { get; set; } = [];

    /// <summary>MX host suffixes, e.g. <c>mail.protection.outlook.com</c>: any domain whose MX hosts end so.</summary>
    public List<string> MxSuffixes { get; set; } = [];
}
