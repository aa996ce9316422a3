using System.Globalization;
using Sluice.Simulator;

namespace Sluice.Tests.Infrastructure;

/// <summary>Worker configuration for end-to-end tests: a private vhost, the simulator as smarthost, short tiers.</summary>
public static class PipelineConfiguration
{
    public static List<KeyValuePair<string, string?>> For(TestBroker broker, ReceivingSimulator simulator, params (string Key, string Value)[] extra) =>
        For(broker, new FixedPort(simulator.Port), extra);

    public static List<KeyValuePair<string, string?>> For(TestBroker broker, FixedPort smarthost, params (string Key, string Value)[] extra)
    {
        ArgumentNullException.ThrowIfNull(broker);
        return For(broker.Configuration, smarthost, extra);
    }

    /// <summary>For a broker of the test's own (a TLS node, a cluster): its settings are given as configuration.</summary>
    public static List<KeyValuePair<string, string?>> For(IEnumerable<KeyValuePair<string, string?>> broker, FixedPort smarthost, params (string Key, string Value)[] extra)
    {
        var settings = new List<KeyValuePair<string, string?>>(broker)
        {
            new("Logging:LogLevel:Default", "Warning"),
            new("Smtp:Host", "127.0.0.1"),
            new("Smtp:Port", smarthost.Port.ToString(CultureInfo.InvariantCulture)),
            new("Smtp:Security", "None"),
            new("Smtp:Connections", "4"),
            new("Topology:DelayTiers:0", "00:00:00.250"),
            new("Topology:DelayTiers:1", "00:00:01"),
            new("Topology:DelayTiers:2", "00:00:05"),
            new("Retry:InitialDelay", "00:00:00.500"),
            new("Retry:InitialConnectionBackoff", "00:00:00.200"),
            new("Retry:ThrottleCoolDown", "00:00:01"),
            new("Scheduler:LeaseRetryInterval", "00:00:00.500"),
            new("Limits:Default:PermitLimit", "1000"),
            new("Limits:Default:Window", "00:00:01"),
            new("Limits:Default:Concurrency", "4"),

            // Tests that are not about them run without the ramp and without MX lookups (their domains are made up).
            new("Limits:WarmUp:Enabled", "false"),
            new("Providers:Dns:Enabled", "false"),

            // Tests run many workers in one process: no shared metrics port unless a test asks for one.
            new("Telemetry:Port", "0"),
        };
        // Later values win, as in any configuration source.
        var merged = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        foreach (var (key, value) in settings.Concat(extra.Select(e => new KeyValuePair<string, string?>(e.Key, e.Value))))
        {
            merged[key] = value;
        }

        return [.. merged];
    }
}

/// <summary>The smarthost's port on loopback, when it is not (yet) a running simulator.</summary>
public sealed record FixedPort(int Port);
