using System.Diagnostics;

namespace Sluice.Tests.Infrastructure;

/// <summary>Runs a program the tests need from the machine (promtool, node, python3) and captures what it printed.</summary>
public static class ExternalCommand
{
    private static readonly TimeSpan DefaultHangGuard = TimeSpan.FromMinutes(2);

    public static async Task<CommandRun> RunAsync(
        string fileName,
        IEnumerable<string> arguments,
        string? workingDirectory = null,
        string? input = null,
        IReadOnlyDictionary<string, string>? environment = null,
        TimeSpan? hangGuard = null)
    {
        var start = new ProcessStartInfo(fileName)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = workingDirectory ?? Environment.CurrentDirectory,
        };
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{fileName} did not start");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (input is not null)
        {
            await process.StandardInput.WriteAsync(input);
        }

        process.StandardInput.Close();
        await process.WaitForExitAsync().WaitAsync(hangGuard ?? DefaultHangGuard);
        return new CommandRun(process.ExitCode, await stdout, await stderr);
    }
}

/// <summary>An external command's exit code and output; <see cref="AllOutput"/> for messages that may be on either stream.</summary>
public sealed record CommandRun(int ExitCode, string Output, string Error)
{
    public string AllOutput => Output + Error;
}
