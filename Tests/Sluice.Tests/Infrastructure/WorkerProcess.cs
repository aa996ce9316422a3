using System.Diagnostics;
using Sluice.Worker.Hosting;

namespace Sluice.Tests.Infrastructure;

/// <summary>
/// <c>sluice run</c> as a separate operating-system process (the build output next to the tests), so a
/// test can kill it the way a node failure would. Configuration goes in through SLUICE__ environment variables.
/// </summary>
public sealed class WorkerProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly List<string> _lines = [];
    private readonly Lock _gate = new();
    private readonly List<(string Text, TaskCompletionSource Seen)> _waiters = [];

    private WorkerProcess(Process process)
    {
        _process = process;
    }

    public static WorkerProcess Start(IEnumerable<KeyValuePair<string, string?>> configuration)
    {
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "sluice.dll"));
        start.ArgumentList.Add("run");
        foreach (var (key, value) in configuration)
        {
            start.Environment[SluiceHost.EnvironmentVariableFor(key)] = value;
        }

        var process = new Process { StartInfo = start };
        var worker = new WorkerProcess(process);
        process.ErrorDataReceived += (_, e) => worker.OnLine(e.Data);
        process.OutputDataReceived += (_, e) => worker.OnLine(e.Data);
        process.Start();
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();
        return worker;
    }

    public string Output
    {
        get
        {
            lock (_gate)
            {
                return string.Join('\n', _lines);
            }
        }
    }

    /// <summary>Completes when the process has written a line containing <paramref name="text"/>.</summary>
    public Task WaitForOutputAsync(string text, TimeSpan hangGuard)
    {
        lock (_gate)
        {
            if (_lines.Any(l => l.Contains(text, StringComparison.Ordinal)))
            {
                return Task.CompletedTask;
            }

            var seen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((text, seen));
            return seen.Task.WaitAsync(hangGuard);
        }
    }

    /// <summary>The process id (status snapshots name their owner as <c>HOST/PID</c>).</summary>
    public int Id => _process.Id;

    /// <summary>SIGKILL: no shutdown code runs, as when a node dies.</summary>
    public void Kill() => _process.Kill(entireProcessTree: true);

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        await _process.WaitForExitAsync();
        _process.Dispose();
    }

    private void OnLine(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_gate)
        {
            _lines.Add(line);
            foreach (var waiter in _waiters.Where(w => line.Contains(w.Text, StringComparison.Ordinal)).ToList())
            {
                waiter.Seen.TrySetResult();
                _waiters.Remove(waiter);
            }
        }
    }
}
