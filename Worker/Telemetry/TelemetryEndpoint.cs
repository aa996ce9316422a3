using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OpenTelemetry.Metrics;

namespace Sluice.Worker.Telemetry;

/// <summary>
/// The small HTTP listener of <c>sluice run</c> on all interfaces (<see cref="TelemetryOptions.Port"/>):
/// <c>/metrics</c> (the Prometheus exposition of this worker's meters), <c>/healthz/live</c> and
/// <c>/healthz/ready</c> (200 or 503 with the reason). Kestrel in a slim app of its own: the worker
/// stays a plain generic host, and the metrics and checks are the worker's own.
/// </summary>
internal sealed partial class TelemetryEndpoint(
    IOptions<TelemetryOptions> options,
    MeterProvider meterProvider,
    HealthCheckService health,
    ILogger<TelemetryEndpoint> logger) : IHostedService, IAsyncDisposable
{
    private WebApplication? _app;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        int port = options.Value.Port;
        if (port == 0)
        {
            return;
        }

        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.IPv6Any, port, listen => listen.Protocols = Microsoft.AspNetCore.Server.Kestrel.Core.HttpProtocols.Http1));
        _app = builder.Build();
        _app.MapPrometheusScrapingEndpoint("/metrics", meterProvider, null, null);
        _app.MapGet("/healthz/live", context => WriteAsync(context, LivenessCheck.Tag));
        _app.MapGet("/healthz/ready", context => WriteAsync(context, ReadinessCheck.Tag));
        await _app.StartAsync(cancellationToken).ConfigureAwait(false);
        LogListening(port);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_app is not null)
        {
            await _app.StopAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync().ConfigureAwait(false);
        }
    }

    private async Task WriteAsync(HttpContext context, string tag)
    {
        var report = await health.CheckHealthAsync(check => check.Tags.Contains(tag), context.RequestAborted).ConfigureAwait(false);
        context.Response.StatusCode = report.Status == HealthStatus.Healthy ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable;
        context.Response.ContentType = "text/plain; charset=utf-8";
        string detail = string.Join("; ", report.Entries.Where(e => e.Value.Status != HealthStatus.Healthy).Select(e => $"{e.Key}: {e.Value.Description}"));
        await context.Response.WriteAsync(detail.Length == 0 ? report.Status.ToString() : $"{report.Status}: {detail}", context.RequestAborted).ConfigureAwait(false);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Metrics on :{Port}/metrics, health on :{Port}/healthz/live and /healthz/ready.")]
    private partial void LogListening(int port);
}
