using System.ComponentModel.DataAnnotations;

namespace Sluice.Worker.Telemetry;

/// <summary>Metrics, traces and health (configuration section <c>Telemetry</c>).</summary>
public sealed class TelemetryOptions
{
    public const string SectionName = "Telemetry";

    /// <summary>
    /// Port of the HTTP listener for <c>/metrics</c> (Prometheus), <c>/healthz/live</c> and <c>/healthz/ready</c>,
    /// bound to all interfaces (a pod's probes and scrapes come from outside it). 0 turns the listener off.
    /// </summary>
    [Range(0, 65535)]
    public int Port { get; set; } = 9464;

    /// <summary>OTLP endpoint for metrics and traces, e.g. <c>http://otel-collector:4317</c>; empty: no OTLP export.</summary>
    public string? OtlpEndpoint { get; set; }

    /// <summary>The <c>service.name</c> resource attribute.</summary>
    [Required]
    public string ServiceName { get; set; } = "sluice";

    /// <summary>
    /// Distinct recipient domains that get a <c>domain</c> tag of their own (the first ones seen);
    /// the rest are tagged <c>other</c>, so the number of series stays bounded. Providers are always named.
    /// </summary>
    [Range(0, 10_000)]
    public int MaxDomainTags { get; set; } = 50;

    /// <summary>Distinct tenants with a <c>tenant</c> tag of their own (the first ones seen); the rest are <c>other</c>.</summary>
    [Range(0, 10_000)]
    public int MaxTenantTags { get; set; } = 100;

    /// <summary>
    /// Distinct SMTP reply codes (basic and enhanced) with a tag of their own; the rest are <c>other</c>. Receivers
    /// choose the codes, so their number is bounded here.
    /// </summary>
    [Range(0, 10_000)]
    public int MaxReplyCodeTags { get; set; } = 100;

    /// <summary>How often queue depths are read from the broker.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan QueueSampleInterval { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>Liveness fails when the worker's heartbeat loop has not turned for this long.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan LivenessTimeout { get; set; } = TimeSpan.FromSeconds(30);
}
