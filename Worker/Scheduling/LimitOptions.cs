using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace Sluice.Worker.Scheduling;

/// <summary>
/// The limit chain of each egress (configuration section <c>Limits</c>): a send needs a permit from
/// its partition (its provider when one is known, else its recipient domain), its client tenant and
/// the egress as a whole, all at once or none.
/// </summary>
public sealed class LimitOptions
{
    public const string SectionName = "Limits";

    /// <summary>The limit of every domain without an entry in <see cref="Domains"/>.</summary>
    [Required]
    [ValidateObjectMembers]
    public DomainLimit Default { get; set; } = new() { PermitLimit = 60 };

    /// <summary>Overrides by recipient domain (lower case, punycode), for domains with no provider.</summary>
    public Dictionary<string, DomainLimit> Domains { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// Limits by provider name (see <c>Providers</c>): one limit for all the domains a provider hosts,
    /// because that is how the provider counts. A provider without an entry gets <see cref="Default"/>.
    /// </summary>
    public Dictionary<string, DomainLimit> Providers { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>The limit of every client tenant without an entry in <see cref="Tenants"/>; no limit unless set.</summary>
    [ValidateObjectMembers]
    public WindowLimit TenantDefault { get; set; } = new();

    /// <summary>Limits by client tenant (the contract's <c>tenant</c>), so one client's flood cannot use up the others' share.</summary>
    public Dictionary<string, WindowLimit> Tenants { get; set; } = new(StringComparer.Ordinal);

    /// <summary>What each egress may send in all.</summary>
    [ValidateObjectMembers]
    public EgressWideLimit Egress { get; set; } = new();

    /// <summary>The warm-up ramp after outages, suspensions and takeovers.</summary>
    [ValidateObjectMembers]
    public WarmUpOptions WarmUp { get; set; } = new();

    /// <summary>
    /// Added to every window before a permit comes back. Permits already count from the end of their
    /// transaction (after the receiver has counted); this is room for a receiver that counts later
    /// still, or whose clock runs a little fast.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "01:00:00")]
    public TimeSpan Margin { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// When a worker takes over an egress, it treats every window as full for one window length, because
    /// the previous owner may have used them just before it died.
    /// </summary>
    public bool HoldWindowsOnTakeover { get; set; } = true;

    /// <summary>How each domain's limit adapts to throttle replies and comes back up.</summary>
    [ValidateObjectMembers]
    public AdaptiveOptions Adaptive { get; set; } = new();

    /// <summary>The limit of a partition key (<see cref="Partitions.Key"/>): a provider's or a domain's.</summary>
    public DomainLimit For(string partition) =>
        (Partitions.ProviderOf(partition) is { } provider ? Providers.GetValueOrDefault(provider) : Domains.GetValueOrDefault(partition)) ?? Default;

    public WindowLimit ForTenant(string tenant) => Tenants.GetValueOrDefault(tenant) ?? TenantDefault;
}
