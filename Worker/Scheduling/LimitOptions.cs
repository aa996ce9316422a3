using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace Sluice.Worker.Scheduling;

/// <summary>Per-domain sending limits (configuration section <c>Limits</c>).</summary>
public sealed class LimitOptions
{
    public const string SectionName = "Limits";

    /// <summary>The limit of every domain without an entry in <see cref="Domains"/>.</summary>
    [Required]
    [ValidateObjectMembers]
    public DomainLimit Default { get; set; } = new() { PermitLimit = 60 };

    /// <summary>Overrides by recipient domain (lower case, punycode).</summary>
    public Dictionary<string, DomainLimit> Domains { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// Added to every window before a permit comes back. Permits already count from the end of their
    /// transaction (after the receiver has counted); this is room for a receiver that counts later
    /// still, or whose clock runs a little fast.
    /// </summary>
    public TimeSpan Margin { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// When a worker takes over an egress, it treats every window as full for one window length, because
    /// the previous owner may have used them just before it died (DESIGN.md §2).
    /// </summary>
    public bool HoldWindowsOnTakeover { get; set; } = true;

    /// <summary>How each domain's limit adapts to throttle replies and comes back up.</summary>
    [ValidateObjectMembers]
    public AdaptiveOptions Adaptive { get; set; } = new();

    public DomainLimit For(string domain) => Domains.TryGetValue(domain, out var limit) ? limit : Default;
}
