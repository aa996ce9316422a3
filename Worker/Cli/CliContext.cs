using Microsoft.Extensions.Hosting;

namespace Sluice.Worker.Cli;

/// <summary>What every command needs from its surroundings; tests give their own writers and configuration.</summary>
/// <param name="CreateHostBuilder">Builds the host a command runs in.</param>
/// <param name="Out">Command results (ids, JSON).</param>
/// <param name="Error">Human-readable errors.</param>
public sealed record CliContext(Func<HostApplicationBuilder> CreateHostBuilder, TextWriter Out, TextWriter Error);
