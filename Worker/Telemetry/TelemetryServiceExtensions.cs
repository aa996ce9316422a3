using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using RabbitMQ.Client;

namespace Sluice.Worker.Telemetry;

public static class TelemetryServiceExtensions
{
    /// <summary>
    /// Metrics and traces for <c>sluice run</c>: Sluice's meters and spans, MailKit's SmtpClient meter and
    /// spans and RabbitMQ.Client's spans (theirs, not re-implemented), the .NET runtime's meters; metrics
    /// exported to Prometheus on <see cref="TelemetryOptions.Port"/>, metrics and traces to OTLP when an
    /// endpoint is set (traces only then); health checks.
    /// </summary>
    public static IHostApplicationBuilder AddSluiceTelemetry(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        services.AddOptionsWithValidateOnStart<TelemetryOptions, TelemetryOptionsValidator>().BindConfiguration(TelemetryOptions.SectionName);
        var options = builder.Configuration.GetSection(TelemetryOptions.SectionName).Get<TelemetryOptions>() ?? new TelemetryOptions();
        string? otlpEndpoint = string.IsNullOrWhiteSpace(options.OtlpEndpoint) ? null : options.OtlpEndpoint;

        services.AddSingleton<DomainTags>();
        services.AddSingleton<IntakeTelemetry>();
        services.AddSingleton<DeliveryTelemetry>();
        services.AddSingleton<Signing.SenderAuthState>();
        services.AddSingleton<SchedulerTelemetry>();
        services.AddSingleton<ReadinessState>();
        services.AddSingleton<LivenessHeartbeat>();
        services.AddHostedService(sp => sp.GetRequiredService<LivenessHeartbeat>());
        services.AddHostedService<QueueDepthSampler>();
        services.AddHealthChecks()
            .AddCheck<LivenessCheck>("heartbeat", tags: [LivenessCheck.Tag])
            .AddCheck<ReadinessCheck>("broker", tags: [ReadinessCheck.Tag]);
        services.AddHostedService<TelemetryEndpoint>();

        // With the recipient domain as routing key, RabbitMQ.Client's span names would be one per domain.
        RabbitMQActivitySource.UseRoutingKeyAsOperationName = false;
        services.AddHostedService<MailKitTelemetryStartup>();

        var otel = services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(options.ServiceName))
            .WithMetrics(metrics =>
            {
                metrics
                    .AddMeter(IntakeTelemetry.MeterName, DeliveryTelemetry.MeterName, SchedulerTelemetry.MeterName, QueueDepthSampler.MeterName)
                    .AddMeter(MailKit.Telemetry.SmtpClient.MeterName)
                    .AddRuntimeInstrumentation()
                    .AddPrometheusExporter();
                if (otlpEndpoint is not null)
                {
                    metrics.AddOtlpExporter(otlp => otlp.Endpoint = new Uri(otlpEndpoint));
                }
            });

        // Spans are built only for an OTLP collector: with nowhere to send them, a sampled span per hop and per SMTP
        // command is work for nothing on every message. A producer's trace context still carries on (NextHop.Fresh).
        if (otlpEndpoint is not null)
        {
            otel.WithTracing(tracing => tracing
                .AddSource(SluiceActivities.SourceName, MailKit.Telemetry.SmtpClient.ActivitySourceName)
                .AddSource(RabbitMQActivitySource.PublisherSourceName, RabbitMQActivitySource.SubscriberSourceName)
                .AddOtlpExporter(otlp => otlp.Endpoint = new Uri(otlpEndpoint)));
        }

        return builder;
    }

    /// <summary>Turns on MailKit's SmtpClient meter (through the host's meter factory) before the first send.</summary>
    private sealed class MailKitTelemetryStartup(System.Diagnostics.Metrics.IMeterFactory meterFactory) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken)
        {
            MailKit.Telemetry.SmtpClient.Configure(meterFactory);
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}

[OptionsValidator]
internal sealed partial class TelemetryOptionsValidator : IValidateOptions<TelemetryOptions>;
