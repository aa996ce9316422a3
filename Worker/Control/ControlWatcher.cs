using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Sluice.Worker.Broker;

namespace Sluice.Worker.Control;

/// <summary>Keeps this worker's <see cref="PauseState"/> following the control stream (pushes arrive in milliseconds).</summary>
internal sealed partial class ControlWatcher(BrokerConnector connector, PauseState state, TimeProvider time, ILogger<ControlWatcher> logger) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken)
    {
        state.Changed += () => LogPaused(string.Join(", ", state.Paused.Select(p => p.Target)) is { Length: > 0 } list ? list : "nothing");
        return BrokerRetry.RunAsync("Control stream", FollowAsync, time, logger, stoppingToken);
    }

    private async Task FollowAsync(CancellationToken stoppingToken)
    {
        await using var connection = await connector.ConnectAsync("control", stoppingToken).ConfigureAwait(false);
        await using var channel = await ControlLog.FollowAsync(connection, state, stoppingToken).ConfigureAwait(false);
        try
        {
            await Task.Delay(Timeout.Infinite, stoppingToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Stopping.
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Paused now: {Targets}.")]
    private partial void LogPaused(string targets);
}
