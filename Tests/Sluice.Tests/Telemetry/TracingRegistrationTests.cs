using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OpenTelemetry.Trace;
using Sluice.Worker.Telemetry;

namespace Sluice.Tests.Telemetry;

/// <summary>Spans are built only when there is an OTLP collector to send them to.</summary>
public sealed class TracingRegistrationTests
{
    [Theory]
    [InlineData(null, false)]
    [InlineData("http://otel-collector:4317", true)]
    public void Tracing_is_registered_only_with_an_OTLP_endpoint(string? endpoint, bool traced)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        if (endpoint is not null)
        {
            builder.Configuration.AddInMemoryCollection([new("Telemetry:OtlpEndpoint", endpoint)]);
        }

        builder.AddSluiceTelemetry();
        using var services = builder.Services.BuildServiceProvider();

        Assert.Equal(traced, services.GetService<TracerProvider>() is not null);
    }
}
