namespace Sluice.Worker.Senders;

/// <summary>Domain name comparisons shared by sender allowlists, DKIM key choice and routing rules.</summary>
public static class DomainNames
{
    /// <summary>
    /// True when <paramref name="domain"/> is <paramref name="parent"/> or one of its subdomains (<c>mail.example.com</c>
    /// is within <c>example.com</c>; <c>notexample.com</c> is not). Both are compared as given: pass them lower-cased.
    /// </summary>
    public static bool IsWithin(string domain, string parent)
    {
        ArgumentNullException.ThrowIfNull(domain);
        ArgumentNullException.ThrowIfNull(parent);
        return domain == parent || domain.EndsWith("." + parent, StringComparison.Ordinal);
    }
}
