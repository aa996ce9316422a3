using RabbitMQ.Client;
using Sluice.Worker.Control;
using Sluice.Worker.Scheduling;
using Sluice.Worker.Settlement;
using Sluice.Worker.Topology;

namespace Sluice.Worker.Status;

/// <summary>The egress owner's loop that publishes an <see cref="EgressSnapshot"/> every interval.</summary>
internal sealed class StatusReporter(
    string egress,
    EgressServices services,
    LimitOptions limits,
    EgressState state,
    HopPublisher publisher,
    TimeSpan interval,
    string takeover,
    Func<IReadOnlyList<LaneWaiting>>? lanes = null)
{
    private static readonly string Owner = $"{Environment.MachineName}/{Environment.ProcessId}";

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(interval, services.Time);
        try
        {
            do
            {
                await publisher.PublishAsync(QueueNames.Status(egress), Snapshot().ToJson(),
                    new BasicProperties { ContentType = "application/json" }, cancellationToken).ConfigureAwait(false);
            }
            while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false));
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The session is over.
        }
        catch (Exception e) when (e is RabbitMQ.Client.Exceptions.OperationInterruptedException or RabbitMQ.Client.Exceptions.PublishException)
        {
            // The connection is gone; the session ends and the next owner reports.
        }
    }

    private bool Paused(string partition) => Partitions.ProviderOf(partition) is { } provider
        ? services.Pauses.IsPaused(new ControlTarget(ControlTargetKind.Provider, provider))
        : services.Pauses.Holds(egress, partition);

    /// <summary>The owner's view now (also read by the metrics gauges).</summary>
    public EgressSnapshot Snapshot()
    {
        var now = services.Time.GetUtcNow();
        bool egressPaused = services.Pauses.IsPaused(new ControlTarget(ControlTargetKind.Egress, egress));
        var closed = state.Gate.ClosedUntil;
        var waiting = new Dictionary<string, long>(state.Backlog.Snapshot(), StringComparer.Ordinal);
        var oldestInLane = new Dictionary<string, DateTimeOffset>(StringComparer.Ordinal);
        foreach (var lane in lanes?.Invoke() ?? [])
        {
            // After a takeover this owner has not seen what a previous owner moved into the lane: the broker's count
            // (sampled) and what the owner holds are the lower bound.
            waiting[lane.Partition] = Math.Max(waiting.GetValueOrDefault(lane.Partition), services.Scheduling.LaneDepth(egress, lane.Queue) + lane.Held);
            if (lane.OldestHeld is { } oldest)
            {
                oldestInLane[lane.Partition] = oldest;
            }
        }

        var domains = waiting
            .OrderBy(d => d.Key, StringComparer.Ordinal)
            .Select(d =>
            {
                var limit = limits.For(d.Key);
                int? current = state.Limiters.CurrentLimit(d.Key);
                var cooling = state.Planner.CoolingUntil(d.Key);

                // Nothing goes before the egress may send again and the partition's pause is over; then the ramp's rate.
                var from = Moments.Latest(now, closed, state.Breaker.SuspendedUntil, cooling)!.Value;
                TimeSpan? eta = current is int permits
                    ? from - now + state.Limiters.WarmUp.TimeToSend(d.Value, permits / limit.Window.TotalSeconds, from, limit.Window, state.Limiters.OwnRamp(d.Key))
                    : null;
                var (delivered, lastReply, lastReplyAt) = state.Activity.Of(d.Key);
                return new DomainSnapshot(d.Key, current, limit.PermitLimit, limit.Window.TotalSeconds, d.Value,
                    egressPaused || Paused(d.Key), cooling, state.Planner.SuspendedUntil(d.Key), eta, delivered, lastReply, lastReplyAt,
                    now - Moments.Earliest(state.Backlog.OldestAccepted(d.Key), oldestInLane.TryGetValue(d.Key, out var held) ? held : null));
            })
            .ToList();
        return new EgressSnapshot(egress, Owner, now, closed > now ? closed : null, state.Breaker.SuspendedUntil, domains, state.Limiters.WarmUp.Factor(), state.Gate.Fault, takeover,
            services.Pauses.Paused,
            services.Senders is { } senders
                ? [.. senders.Reports.Where(r => r.Egress == egress).Select(r => new SenderStatus(r.Domain, r.Ok, Signing.SenderAuthState.Failing(r), !r.Ok && senders.Holding))]
                : null);
    }
}
