using Sluice.Contracts;
using Sluice.Contracts.Validation;

namespace Sluice.Worker.Routing;

/// <summary>The egress a message takes, and why (recorded on the message as <c>sluice-route</c>).</summary>
/// <param name="Egress">The egress.</param>
/// <param name="Reason"><c>field</c> (the message named it), <c>rule N: …</c> (a configured rule), or <c>default</c>.</param>
public sealed record RouteChoice(string Egress, string Reason);

/// <summary>Picks a message's egress from <see cref="RoutingOptions"/>: pure, so the rules are unit-tested.</summary>
public sealed class EgressRouter(RoutingOptions options)
{
    public RouteChoice Choose(OutboundMail mail)
    {
        ArgumentNullException.ThrowIfNull(mail);
        if (mail.Egress is { } named)
        {
            return new RouteChoice(named, "field");
        }

        return Choose(mail.Tenant, EmailAddressNormalizer.DomainOf(mail.From.Address));
    }

    /// <summary>The egress mail of <paramref name="tenant"/> from <paramref name="senderDomain"/> takes when it names none itself.</summary>
    public RouteChoice Choose(string tenant, string senderDomain)
    {
        ArgumentNullException.ThrowIfNull(tenant);
        ArgumentNullException.ThrowIfNull(senderDomain);
        for (int i = 0; i < options.Rules.Count; i++)
        {
            var rule = options.Rules[i];
            if (Matches(rule, tenant, senderDomain))
            {
                return new RouteChoice(rule.Egress, $"rule {i}: {rule}");
            }
        }

        return new RouteChoice(options.EffectiveDefault, "default");
    }

    private static bool Matches(RouteRule rule, string tenant, string senderDomain) =>
        (rule.Tenant is not null || rule.SenderDomain is not null)
        && (rule.Tenant is null || string.Equals(rule.Tenant, tenant, StringComparison.Ordinal))
        && (rule.SenderDomain is null || DomainMatches(rule.SenderDomain, senderDomain));

    private static bool DomainMatches(string pattern, string domain) => pattern.StartsWith("*.", StringComparison.Ordinal)
        ? Senders.DomainNames.IsWithin(domain.ToLowerInvariant(), pattern[2..].ToLowerInvariant())
        : string.Equals(pattern, domain, StringComparison.OrdinalIgnoreCase);
}
