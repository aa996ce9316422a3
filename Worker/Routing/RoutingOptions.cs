using System.ComponentModel.DataAnnotations;
using Sluice.Worker.Topology;

namespace Sluice.Worker.Routing;

/// <summary>
/// Which egress a message takes (configuration section <c>Routing</c>), decided at intake: the message's own
/// <c>egress</c> field, else the first of <see cref="Rules"/> that matches, else <see cref="Default"/>.
/// </summary>
public sealed class RoutingOptions
{
    public const string SectionName = "Routing";

    /// <summary>Rules in order; the first that matches wins.</summary>
    public List<RouteRule> Rules { get; set; } = [];

    /// <summary>
    /// The egress of mail that names none and matches no rule; unset: <c>default</c> (and such mail fails with
    /// <c>unknown-egress</c> where there is no egress of that name).
    /// </summary>
    public string? Default { get; set; }

    /// <summary>The default egress in force.</summary>
    public string EffectiveDefault => Default ?? QueueNames.DefaultEgress;
}

/// <summary>One routing rule: every condition given must hold (at least one must be given).</summary>
public sealed class RouteRule
{
    /// <summary>The message's client tenant, exactly.</summary>
    public string? Tenant { get; set; }

    /// <summary>The From address's domain (case-insensitive); <c>*.example.com</c> also matches its subdomains.</summary>
    public string? SenderDomain { get; set; }

    /// <summary>The egress the matching mail takes.</summary>
    [Required]
    public string Egress { get; set; } = string.Empty;

    public override string ToString() =>
        string.Join(", ", new[] { Tenant is null ? null : $"tenant {Tenant}", SenderDomain is null ? null : $"sender domain {SenderDomain}" }.OfType<string>());
}
