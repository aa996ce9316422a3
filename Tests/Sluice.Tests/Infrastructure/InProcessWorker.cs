using Microsoft.Extensions.Hosting;
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

    public static async Task<InProcessWorker> StartAsync(IEnumerable<KeyValuePair<string, string?>> configuration)
    {
        var builder = SluiceHost.CreateBuilder(configuration);
        builder.AddSluicePipeline();
        var host = builder.Build();
        await host.StartAsync();
        return new InProcessWorker(host);
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
