namespace Sluice.Worker.Control;

/// <summary>What an operator pauses: a whole egress, a provider, or one recipient domain.</summary>
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
                _ => throw new FormatException($"'{text}': the kind must be egress, provider or domain."),
            };
        }

        string bare = text.Trim().ToLowerInvariant();
        return egresses.Contains(bare) ? new(ControlTargetKind.Egress, bare)
            : bare.Contains('.', StringComparison.Ordinal) ? new(ControlTargetKind.Domain, bare)
            : new(ControlTargetKind.Provider, bare);
    }

    public override string ToString() => $"{Kind.ToString().ToLowerInvariant()}:{Name}";
}

public enum ControlTargetKind
{
    Egress,
    Provider,
    Domain,
}
