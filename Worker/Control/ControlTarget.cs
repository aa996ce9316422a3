namespace Sluice.Worker.Control;

/// <summary>What an operator pauses: a whole egress, a provider, one recipient domain, or one client tenant's mail.</summary>
public sealed record ControlTarget(ControlTargetKind Kind, string Name)
{
    /// <summary>
    /// <c>egress:NAME</c>, <c>provider:NAME</c>, <c>domain:NAME</c>; a bare name is an egress if the
    /// deployment has one by that name, a domain if it contains a dot, a provider otherwise.
    /// </summary>
    public static ControlTarget Parse(string text, IReadOnlyCollection<string> egresses)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(egresses);
        int colon = text.IndexOf(':', StringComparison.Ordinal);
        if (colon > 0)
        {
            string kind = text[..colon].ToUpperInvariant();
            string name = text[(colon + 1)..].Trim().ToLowerInvariant();
            return kind switch
            {
                "EGRESS" => new(ControlTargetKind.Egress, name),
                "PROVIDER" => new(ControlTargetKind.Provider, name),
                "DOMAIN" => new(ControlTargetKind.Domain, name),
                "TENANT" => new(ControlTargetKind.Tenant, text[(colon + 1)..].Trim()),
                _ => throw new FormatException($"'{text}': the kind must be egress, provider, domain or tenant."),
            };
        }

        string bare = text.Trim().ToLowerInvariant();
        return egresses.Contains(bare) ? new(ControlTargetKind.Egress, bare)
            : bare.Contains('.', StringComparison.Ordinal) ? new(ControlTargetKind.Domain, bare)
            : new(ControlTargetKind.Provider, bare);
    }

    /// <summary>The limit partition a <c>provider:</c> or <c>domain:</c> target names (a provider's is all its domains); null for others.</summary>
    public string? Partition => Kind switch
    {
        ControlTargetKind.Provider => Scheduling.Partitions.Key(string.Empty, Name),
        ControlTargetKind.Domain => Name,
        _ => null,
    };

    public override string ToString() => $"{Kind.ToString().ToLowerInvariant()}:{Name}";

    /// <summary>
    /// Why an operator's target names nothing (an empty name, an egress or provider this deployment does not have, a
    /// domain that is not a host name); null when it is fine. A pause of nothing would succeed and hold nothing.
    /// </summary>
    public string? Problem(IReadOnlyCollection<string> egresses, IReadOnlyCollection<string> providers)
    {
        ArgumentNullException.ThrowIfNull(egresses);
        ArgumentNullException.ThrowIfNull(providers);
        if (string.IsNullOrWhiteSpace(Name))
        {
            return $"'{this}' names nothing: give egress:NAME, provider:NAME, domain:NAME or tenant:NAME.";
        }

        return Kind switch
        {
            ControlTargetKind.Egress when !egresses.Contains(Name) => $"there is no egress '{Name}' (Topology:Egresses is {string.Join(", ", egresses)}).",
            ControlTargetKind.Provider when !providers.Contains(Name, StringComparer.OrdinalIgnoreCase) =>
                $"there is no provider '{Name}' (Providers:Known has {(providers.Count == 0 ? "none" : string.Join(", ", providers))}).",
            ControlTargetKind.Domain when !Name.Contains('.', StringComparison.Ordinal) || Uri.CheckHostName(Name) != UriHostNameType.Dns =>
                $"'{Name}' is not a domain name.",
            _ => null,
        };
    }
}

public enum ControlTargetKind
{
    Egress,
    Provider,
    Domain,
    Tenant,
}
