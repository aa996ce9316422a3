using System.ComponentModel.DataAnnotations;

namespace Sluice.Worker.Topology;

/// <summary>The shape of the broker topology (configuration section <c>Topology</c>).</summary>
public sealed class TopologyOptions
{
    public const string SectionName = "Topology";

    /// <summary>Default delay tiers: short ones for the next free slot, long ones for cool-downs.</summary>
    public static readonly IReadOnlyList<TimeSpan> DefaultDelayTiers =
    [
        TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(30),
        TimeSpan.FromMinutes(2), TimeSpan.FromMinutes(10), TimeSpan.FromHours(1),
    ];

    /// <summary>
    /// Egress (route) names; each gets its own queues. Empty means one egress called <c>default</c>.
    /// (A list with a default value would be appended to by the configuration binder, hence empty + fallback.)
    /// </summary>
    public List<string> Egresses { get; set; } = [];

    /// <summary>Delay tier lengths. Empty means <see cref="DefaultDelayTiers"/>.</summary>
    public List<TimeSpan> DelayTiers { get; set; } = [];

    /// <summary>Deliveries of one intake message before the broker dead-letters it to <c>mail.failed</c>.</summary>
    [Range(1, 1000)]
    public int IntakeDeliveryLimit { get; set; } = 5;

    /// <summary>Deliveries of one egress message before the broker dead-letters it to <c>mail.failed</c>.</summary>
    [Range(1, 1000)]
    public int EgressDeliveryLimit { get; set; } = 20;

    /// <summary>The virtual host written into exported definitions.</summary>
    [Required]
    public string ExportVirtualHost { get; set; } = "/";

    public IReadOnlyList<string> EffectiveEgresses => Egresses.Count > 0 ? Egresses : [QueueNames.DefaultEgress];

    public IReadOnlyList<TimeSpan> EffectiveDelayTiers => DelayTiers.Count > 0 ? DelayTiers : DefaultDelayTiers;
}
