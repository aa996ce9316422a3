using System.Globalization;
using Microsoft.Extensions.Hosting;
using Sluice.Simulator;
using Sluice.Worker.Hosting;
using Sluice.Worker.Pipeline;

namespace Sluice.Benchmark;

/// <summary>The real worker host (what <c>sluice run</c> runs), in this process, pointed at a bench vhost and the simulator.</summary>
internal static class BenchWorker
{
    public static Dictionary<string, string?> Configuration(BenchBroker broker, ReceivingSimulator simulator, int connections)
    {
        var settings = new Dictionary<string, string?>(broker.Configuration, StringComparer.OrdinalIgnoreCase)
        {
            ["Logging:LogLevel:Default"] = "Warning",
            ["Smtp:Host"] = "127.0.0.1",
            ["Smtp:Port"] = simulator.Port.ToString(CultureInfo.InvariantCulture),
            ["Smtp:Security"] = "None",
            ["Smtp:Connections"] = connections.ToString(CultureInfo.InvariantCulture),

            // The benchmark measures the steady state at a known limit; the demo (deploy/local/demo.sh) measures the ramp.
            ["Limits:WarmUp:Enabled"] = "false",
            ["Providers:Dns:Enabled"] = "false",
        };
        return settings;
    }

    public static async Task<IHost> StartAsync(IDictionary<string, string?> configuration)
    {
        var builder = SluiceHost.CreateBuilder(configuration);
        builder.AddSluicePipeline();
        var host = builder.Build();
        await host.StartAsync();
        return host;
    }
}
