using System.ComponentModel.DataAnnotations;

namespace Sluice.Worker.Topology;

/// <summary>The shape of the broker topology (configuration section <c>Topology</c>).</summary>
public sealed class TopologyOptions
{
    public const string SectionName = "Topology";

    /// <summary>
    /// Default delay tiers, about ×3 apart: a wait is covered by the longest tier that does not overshoot
    /// it, then the next shorter ones, so tiers close together mean few hops (churn) per deferral.
    /// </summary>
    public static readonly IReadOnlyList<TimeSpan> DefaultDelayTiers =
    [
        TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(3), TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(30),
        TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(3), TimeSpan.FromMinutes(10), TimeSpan.FromMinutes(30),
        TimeSpan.FromHours(1), TimeSpan.FromHours(3),
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

    /// <summary>
    /// How long each egress's delivery journal keeps its records (stream <c>x-max-age</c>). It must cover
    /// <c>Retry:MaxAge</c>: a message is never sent twice while its record is kept.
    /// </summary>
    [Range(typeof(TimeSpan), "01:00:00", "3650.00:00:00")]
    public TimeSpan JournalMaxAge { get; set; } = TimeSpan.FromDays(3);

    /// <summary>
    /// How long the <c>mail.control</c> stream keeps its entries (pauses, resumes, retry-now). A pause still in force
    /// is written again before it would age out (<see cref="Control.ControlRetention"/>), so retention never lifts one.
    /// </summary>
    [Range(typeof(TimeSpan), "01:00:00", "3650.00:00:00")]
    public TimeSpan ControlMaxAge { get; set; } = TimeSpan.FromDays(30);

    /// <summary>The virtual host written into exported definitions.</summary>
    [Required]
    public string ExportVirtualHost { get; set; } = "/";

    public IReadOnlyList<string> EffectiveEgresses => Egresses.Count > 0 ? Egresses : [QueueNames.DefaultEgress];

    public IReadOnlyList<TimeSpan> EffectiveDelayTiers => DelayTiers.Count > 0 ? DelayTiers : DefaultDelayTiers;
}
