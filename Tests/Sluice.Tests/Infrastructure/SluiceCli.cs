using Sluice.Worker.Cli;
using Sluice.Worker.Hosting;

namespace Sluice.Tests.Infrastructure;

/// <summary>Runs the real <c>sluice</c> command tree in-process, with extra configuration and captured output.</summary>
public static class SluiceCli
{
    public static async Task<CliRun> RunAsync(IEnumerable<KeyValuePair<string, string?>> configuration, params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var context = new CliContext(() => SluiceHost.CreateBuilder(configuration), output, error);
        int exitCode = await SluiceCommandLine.InvokeAsync(context, args);
        return new CliRun(exitCode, output.ToString(), error.ToString());
    }
}

public sealed record CliRun(int ExitCode, string Output, string Error);
