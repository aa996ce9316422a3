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

    /// <summary>Runs a command that goes on until interrupted (<c>--watch</c>), and interrupts it once <paramref name="enough"/> holds for its output.</summary>
    public static async Task<CliRun> RunUntilAsync(IEnumerable<KeyValuePair<string, string?>> configuration, Func<string, bool> enough, params string[] args)
    {
        using var interrupt = new CancellationTokenSource();
        using var output = new InterruptingWriter(enough, interrupt);
        using var error = new StringWriter();
        var context = new CliContext(() => SluiceHost.CreateBuilder(configuration), output, error);
        int exitCode = await SluiceCommandLine.InvokeAsync(context, args, cancellationToken: interrupt.Token);
        return new CliRun(exitCode, output.ToString(), error.ToString());
    }

    /// <summary>Output that interrupts the command (as Ctrl-C would) as soon as what was written is enough.</summary>
    private sealed class InterruptingWriter(Func<string, bool> enough, CancellationTokenSource interrupt) : StringWriter
    {
        public override Task WriteLineAsync(string? value)
        {
            base.WriteLine(value);
            if (enough(ToString()))
            {
                interrupt.Cancel();
            }

            return Task.CompletedTask;
        }
    }
}

public sealed record CliRun(int ExitCode, string Output, string Error);
