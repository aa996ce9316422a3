using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Sluice.Worker.Control;
using Sluice.Worker.Hosting;
using Sluice.Worker.Pipeline;

namespace Sluice.Tests.Infrastructure;

/// <summary>The real worker host (what <c>sluice run</c> runs) inside the test process.</summary>
public sealed class InProcessWorker : IAsyncDisposable
{
    private readonly IHost _host;
    private bool _stopped;

    private InProcessWorker(IHost host)
    {
        _host = host;
    }

    public IServiceProvider Services => _host.Services;

    /// <param name="configuration">The worker's configuration.</param>
    /// <param name="logs">Receives the worker's log, if given.</param>
    /// <param name="beforeStart">Runs once the host is built, before it starts (e.g. to attach a metric collector that must miss nothing).</param>
    public static async Task<InProcessWorker> StartAsync(IEnumerable<KeyValuePair<string, string?>> configuration, LogCapture? logs = null, Action<IServiceProvider>? beforeStart = null)
    {
        var builder = SluiceHost.CreateBuilder(configuration);
        builder.AddSluicePipeline();
        if (logs is not null)
        {
            builder.Logging.AddProvider(logs);
        }

        var host = builder.Build();
        beforeStart?.Invoke(host.Services);
        await host.StartAsync();
        return new InProcessWorker(host);
    }

    /// <summary>True while the host runs and none of its background services has failed.</summary>
    public bool IsHealthy =>
        !_host.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping.IsCancellationRequested
        && !_host.Services.GetServices<IHostedService>().OfType<BackgroundService>().Any(s => s.ExecuteTask?.IsFaulted == true);

    /// <summary>Completes when the worker's pause state satisfies <paramref name="condition"/> (it follows the control stream).</summary>
    public Task WhenPausesAsync(Func<PauseState, bool> condition, TimeSpan hangGuard)
    {
        ArgumentNullException.ThrowIfNull(condition);
        var state = Services.GetRequiredService<PauseState>();
        var applied = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        state.Changed += () =>
        {
            if (condition(state))
            {
                applied.TrySetResult();
            }
        };
        if (condition(state))
        {
            applied.TrySetResult();
        }

        return applied.Task.WaitAsync(hangGuard);
    }

    /// <summary>A graceful stop, as on SIGTERM.</summary>
    public async Task StopAsync()
    {
        if (!_stopped)
        {
            _stopped = true;
            await _host.StopAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _host.Dispose();
    }
}
