using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Sluice.Worker.Broker;
using Sluice.Worker.Topology;

namespace Sluice.Worker.Control;

/// <summary>
/// Keeps this worker's <see cref="PauseState"/> following the control stream (pushes arrive in milliseconds), and
/// writes renewals of the pauses in force before the stream's retention would drop them (<see cref="ControlRetention"/>).
/// </summary>
internal sealed partial class ControlWatcher(
    BrokerConnector connector, PauseState state, IOptions<TopologyOptions> topology, TimeProvider time, ILogger<ControlWatcher> logger) : BackgroundService
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
        var maxAge = topology.Value.ControlMaxAge;
        using var timer = new PeriodicTimer(ControlRetention.CheckInterval(maxAge), time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                // Every worker renews: a few duplicate renewals per pause and quarter of the retention cost nothing, and a
                // renewal of a pause resumed meanwhile changes nothing (PauseState ignores it).
                foreach (var renewal in ControlRetention.Renewals(state.Paused, time.GetUtcNow(), maxAge))
                {
                    await ControlLog.AppendAsync(connection, renewal, stoppingToken).ConfigureAwait(false);
                    LogRenewed(renewal.Target, renewal.At);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping.
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Paused now: {Targets}.")]
    private partial void LogPaused(string targets);

    [LoggerMessage(Level = LogLevel.Information, Message = "Pause of {Target} (since {Since:O}) written again to the control stream, so its retention keeps it.")]
    private partial void LogRenewed(string target, DateTimeOffset since);
}
