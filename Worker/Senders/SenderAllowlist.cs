using System.Collections.Frozen;
using Sluice.Contracts.Validation;

namespace Sluice.Worker.Senders;

/// <summary>Answers "may this tenant send from this address?" under the configured <see cref="SenderOptions"/>.</summary>
public sealed class SenderAllowlist
{
    private readonly SenderPolicy _policy;
    private readonly FrozenDictionary<string, string[]> _domains;

    public SenderAllowlist(SenderOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _policy = options.Policy;
        _domains = options.Tenants.ToFrozenDictionary(
            t => t.Key,
            t => t.Value.Select(d => EmailAddressNormalizer.TryNormalizeDomain(d.Trim()) ?? d.Trim().ToLowerInvariant()).ToArray(),
            StringComparer.Ordinal);
    }

    public bool IsOpen => _policy == SenderPolicy.Open;

    /// <summary>Null when <paramref name="address"/> may be used by <paramref name="tenant"/>; otherwise why not.</summary>
    public string? Refusal(string tenant, string field, string address)
    {
        if (IsOpen)
        {
            return null;
        }

        string domain = EmailAddressNormalizer.TryNormalizeDomain(EmailAddressNormalizer.DomainOf(address)) ?? EmailAddressNormalizer.DomainOf(address);
        if (!_domains.TryGetValue(tenant, out string[]? allowed))
        {
            return $"tenant '{PrintableText.Escape(tenant)}' has no sender domains (Senders:Tenants)";
        }

        return allowed.Any(a => DomainNames.IsWithin(domain, a))
            ? null
            : $"{field} domain '{domain}' is not one of tenant '{PrintableText.Escape(tenant)}''s sender domains ({string.Join(", ", allowed)})";
    }
}
