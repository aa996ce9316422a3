using System.Diagnostics;
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
            ["Telemetry:Port"] = "0",

            // Lanes stay until the end, so churn can count what went into them (the broker forgets a deleted queue's counts).
            ["Scheduler:Lanes:CloseAfter"] = "01:00:00",
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

    /// <summary>Starts <c>sluice run</c> as a process of its own; its output goes to <paramref name="logPath"/> or nowhere.</summary>
    public static Process StartProcess(IDictionary<string, string?> configuration, string? logPath = null)
    {
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "sluice.dll"));
        start.ArgumentList.Add("run");
        foreach (var (key, value) in configuration)
        {
            start.Environment[SluiceHost.EnvironmentVariableFor(key)] = value;
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("could not start sluice run");
        var log = logPath is null ? null : new StreamWriter(logPath, append: false) { AutoFlush = true };
        void Write(string? line)
        {
            if (line is not null && log is not null)
            {
                lock (log)
                {
                    log.WriteLine(line);
                }
            }
        }

        process.OutputDataReceived += (_, e) => Write(e.Data);
        process.ErrorDataReceived += (_, e) => Write(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    /// <summary>
    /// Starts <c>sluice run</c> with its health endpoint on a free port and waits until it reports ready
    /// (topology declared, intake connected): publishing earlier can race the declaration of the bindings.
    /// </summary>
    public static async Task<(Process Worker, int MetricsPort)> StartReadyProcessAsync(IDictionary<string, string?> configuration, string? logPath = null)
    {
        int port = ReceivingSimulator.FreeLoopbackPort();
        configuration["Telemetry:Port"] = port.ToString(CultureInfo.InvariantCulture);
        var worker = StartProcess(configuration, logPath);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        for (var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(1); DateTime.UtcNow < deadline && !worker.HasExited; await Task.Delay(250))
        {
            try
            {
                using var ready = await http.GetAsync(new Uri($"http://127.0.0.1:{port}/healthz/ready"));
                if (ready.IsSuccessStatusCode)
                {
                    return (worker, port);
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
        }

        worker.Kill(entireProcessTree: true);
        throw new TimeoutException("the worker did not become ready within a minute" + (logPath is null ? string.Empty : $"; see {logPath}"));
    }
}
