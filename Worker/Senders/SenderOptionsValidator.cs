using Microsoft.Extensions.Options;
using Sluice.Contracts.Validation;

namespace Sluice.Worker.Senders;

/// <summary>Every listed sender domain must be a host name; an allowlist with no tenant would refuse all mail.</summary>
internal sealed class SenderOptionsValidator : IValidateOptions<SenderOptions>
{
    public ValidateOptionsResult Validate(string? name, SenderOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        foreach (var (tenant, domains) in options.Tenants)
        {
            failures.AddRange(domains
                .Select((domain, i) => (domain, i))
                .Where(d => EmailAddressNormalizer.TryNormalizeDomain(d.domain.Trim()) is null)
                .Select(d => $"Tenants:{tenant}:{d.i}: '{d.domain}' is not a domain name."));
        }

        if (options.Policy == SenderPolicy.Allowlist && options.Tenants.Count == 0)
        {
            failures.Add("Policy: Allowlist needs at least one entry in Senders:Tenants (every message would be refused).");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
