using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace Sluice.Worker.Telemetry;

/// <summary><c>/healthz/live</c>: the heartbeat loop turned within <see cref="TelemetryOptions.LivenessTimeout"/>.</summary>
internal sealed class LivenessCheck(LivenessHeartbeat heartbeat, IOptions<TelemetryOptions> options, TimeProvider time) : IHealthCheck
{
    public const string Tag = "live";

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var silent = time.GetUtcNow() - heartbeat.LastBeat;
        return Task.FromResult(silent <= options.Value.LivenessTimeout
            ? HealthCheckResult.Healthy()
            : HealthCheckResult.Unhealthy($"the heartbeat has not turned for {silent.TotalSeconds:0} s"));
    }
}

/// <summary><c>/healthz/ready</c>: topology declared, intake connected to the broker.</summary>
internal sealed class ReadinessCheck(ReadinessState state) : IHealthCheck
{
    public const string Tag = "ready";

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(state.NotReadyBecause() is { } reason ? HealthCheckResult.Unhealthy(reason) : HealthCheckResult.Healthy());
}
