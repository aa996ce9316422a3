using Microsoft.Extensions.Hosting;

namespace Sluice.Worker.Telemetry;

/// <summary>A loop that beats once a second: liveness fails when it stops turning (a starved or wedged process).</summary>
public sealed class LivenessHeartbeat(TimeProvider time) : BackgroundService
{
    private long _lastBeatTicks = time.GetUtcNow().UtcTicks;

    public DateTimeOffset LastBeat => new(Interlocked.Read(ref _lastBeatTicks), TimeSpan.Zero);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1), time);
        do
        {
            Interlocked.Exchange(ref _lastBeatTicks, time.GetUtcNow().UtcTicks);
        }
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }
}
