using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;
using Sluice.Worker.Broker;
using Sluice.Worker.Topology;

namespace Sluice.Worker.Hosting;

/// <summary>
/// Builds the generic host every command runs in. Configuration, later sources winning:
/// appsettings.json beside the binary, appsettings.{Environment}.json, environment variables
/// (<c>SLUICE__BROKER__HOSTNAME</c> sets <c>Broker:HostName</c>), then the overrides given (tests).
/// </summary>
public static class SluiceHost
{
    public const string EnvironmentPrefix = "SLUICE__";

    /// <summary>The environment variable that sets configuration key <paramref name="key"/> (<c>Broker:HostName</c> → <c>SLUICE__Broker__HostName</c>).</summary>
    public static string EnvironmentVariableFor(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        return EnvironmentPrefix + key.Replace(":", "__", StringComparison.Ordinal);
    }

    public static HostApplicationBuilder CreateBuilder(IEnumerable<KeyValuePair<string, string?>>? overrides = null)
    {
        Durations.UseForConfiguration();

        // Command-line words are System.CommandLine's, not configuration keys: pass none to the host.
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
        {
            Args = [],
            ContentRootPath = AppContext.BaseDirectory,
        });
        builder.Configuration.AddEnvironmentVariables(EnvironmentPrefix);
        if (overrides is not null)
        {
            builder.Configuration.AddInMemoryCollection(overrides);
        }

        // Host:ShutdownTimeout bounds the graceful drain on SIGTERM: above Smtp:CommandTimeout, so a send in
        // flight can finish and be settled (Kubernetes' terminationGracePeriodSeconds is above this in turn).
        builder.Services.Configure<HostOptions>(builder.Configuration.GetSection("Host"));

        // Standard output carries command results (ids, exported JSON); logs go to standard error.
        builder.Services.Configure<ConsoleLoggerOptions>(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
        builder.AddSluiceBroker();
        builder.AddSluiceTopology();
        return builder;
    }
}
