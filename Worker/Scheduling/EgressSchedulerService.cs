using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;
using Sluice.Worker.Broker;
using Sluice.Worker.Routing;
using Sluice.Worker.Topology;

namespace Sluice.Worker.Scheduling;

/// <summary>
/// Runs, for every egress, the contest for its ownership: the worker that holds the egress's lease (an
/// exclusive queue, which the broker deletes when its connection dies) schedules and sends; the others
/// stand by and ask again every <see cref="SchedulerOptions.LeaseRetryInterval"/>. One owner per egress
/// means every limit is exact with any number of replicas. With <see cref="SchedulerOptions.SpreadOwnership"/>
/// a worker contends only while it owns less than its share (egresses ÷ running workers, rounded up), and hands
/// one egress over (a graceful end of its session; the next owner starts from the delivery journal) when it has
/// owned more than its share for <see cref="SchedulerOptions.HandOverAfter"/>, so every replica sends.
/// </summary>
internal sealed partial class EgressSchedulerService(
    BrokerConnector connector,
    EgressServices services,
    IOptions<TopologyOptions> topology,
    EgressSettings settings,
    IOptions<SchedulerOptions> scheduler,
    IOptions<BrokerOptions> broker,
    LocalOwners owners,
    ILogger<EgressSchedulerService> logger) : BackgroundService
{
    private readonly WorkerRoster _roster = new();
    private readonly Dictionary<string, CancellationTokenSource> _owned = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();

    public static string LeaseQueue(string egress) => $"mail.lease.{egress}";

    protected override Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var contests = topology.Value.EffectiveEgresses.Select(egress => ContendAsync(egress, stoppingToken));
        return scheduler.Value.SpreadOwnership
            ? Task.WhenAll([.. contests, CountWorkersAsync(stoppingToken), HandOverAsync(stoppingToken)])
            : Task.WhenAll(contests);
    }

    /// <summary>This worker's share of the egresses (all of them unless ownership is spread).</summary>
    private int Share => scheduler.Value.SpreadOwnership ? _roster.Share(topology.Value.EffectiveEgresses.Count) : int.MaxValue;

    /// <summary>True (and the egress counted as owned) when this worker may take another egress now.</summary>
    private bool TryClaimShare(string egress, CancellationTokenSource session)
    {
        lock (_gate)
        {
            if (_owned.Count >= Share)
            {
                return false;
            }

            _owned[egress] = session;
            return true;
        }
    }

    private void Released(string egress)
    {
        lock (_gate)
        {
            _owned.Remove(egress);
        }
    }

    /// <summary>Keeps this worker on the roster and its count of running workers current; rejoins after a broker failure (the shared back-off).</summary>
    private Task CountWorkersAsync(CancellationToken stoppingToken) => BrokerRetry.RunAsync("Roster", async token =>
    {
        await using var connection = await connector.ConnectAsync("roster", token).ConfigureAwait(false);
        await _roster.RunAsync(connection, scheduler.Value.LeaseRetryInterval, services.Time, token).ConfigureAwait(false);
    }, services.Time, logger, stoppingToken);

    /// <summary>Hands one egress over when this worker has owned more than its share for <see cref="SchedulerOptions.HandOverAfter"/>.</summary>
    private async Task HandOverAsync(CancellationToken stoppingToken)
    {
        DateTimeOffset? overSince = null;
        using var timer = new PeriodicTimer(scheduler.Value.LeaseRetryInterval, services.Time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                var now = services.Time.GetUtcNow();
                KeyValuePair<string, CancellationTokenSource>? handOver = null;
                lock (_gate)
                {
                    if (_owned.Count <= Share)
                    {
                        overSince = null;
                        continue;
                    }

                    overSince ??= now;
                    if (now - overSince >= scheduler.Value.HandOverAfter)
                    {
                        handOver = _owned.OrderBy(o => o.Key, StringComparer.Ordinal).Last();
                        overSince = null;
                    }
                }

                if (handOver is { } egress)
                {
                    LogHandingOver(egress.Key, _owned.Count, Share, _roster.Workers);
                    await egress.Value.CancelAsync().ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping: every session ends anyway.
        }
    }

    private async Task ContendAsync(string egress, CancellationToken stoppingToken)
    {
        bool announcedStandby = false;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                using var tenure = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
                if (!TryClaimShare(egress, tenure))
                {
                    // This worker owns its share: the egress is left to another (a standby asks again later).
                    await Task.Delay(scheduler.Value.LeaseRetryInterval, services.Time, stoppingToken).ConfigureAwait(false);
                    continue;
                }

                try
                {
                    await using var connection = await connector.ConnectAsync($"egress {egress}", stoppingToken, automaticRecovery: false).ConfigureAwait(false);
                    if (await TryTakeLeaseAsync(connection, egress, stoppingToken).ConfigureAwait(false))
                    {
                        announcedStandby = false;
                        var session = new EgressSession(egress, connection, services, Options.Create(settings.Limits(egress)), Options.Create(settings.Smtp(egress)),
                            scheduler, broker, topology.Value, owners, logger, settings.Fallback(egress));

                        // Ends when the worker stops, the connection is lost, or the egress is handed over (its tenure cancelled).
                        await session.RunAsync(tenure.Token).ConfigureAwait(false);
                        continue;
                    }
                }
                finally
                {
                    Released(egress);
                }

                if (!announcedStandby)
                {
                    LogStandby(egress);
                    announcedStandby = true;
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is BrokerUnreachableException or OperationInterruptedException or IOException or OperationCanceledException)
            {
                LogBrokerTrouble(egress, e.GetType().Name, Contracts.Validation.PrintableText.Escape(e.Message));
                LogFailureDetail(e);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                // Whatever went wrong, the unacked mail is back in its queues: contend again rather than
                // take the whole worker (and intake with it) down.
                LogSessionFailed(egress, e.GetType().Name, Contracts.Validation.PrintableText.Escape(e.Message));
                LogFailureDetail(e);
            }

            try
            {
                await Task.Delay(scheduler.Value.LeaseRetryInterval, services.Time, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>Declares the lease queue exclusively; the broker refuses (405) while another connection holds it.</summary>
    private static async Task<bool> TryTakeLeaseAsync(IConnection connection, string egress, CancellationToken cancellationToken)
    {
        var channel = await connection.CreateChannelAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        try
        {
            await channel.QueueDeclareAsync(LeaseQueue(egress), durable: false, exclusive: true, autoDelete: true,
                arguments: null, cancellationToken: cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (OperationInterruptedException e) when (e.ShutdownReason?.ReplyCode == 405)
        {
            return false;
        }
        finally
        {
            await channel.DisposeAsync().ConfigureAwait(false);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Handing egress {Egress} over: this worker owns {Owned}, its share is {Share} with {Workers} workers running.")]
    private partial void LogHandingOver(string egress, int owned, int share, int workers);

    [LoggerMessage(Level = LogLevel.Information, Message = "Egress {Egress} is owned by another worker; standing by.")]
    private partial void LogStandby(string egress);

    [LoggerMessage(Level = LogLevel.Error, Message = "Egress {Egress}: the scheduler failed ({Error}: {Message}); contending for the egress again.")]
    private partial void LogSessionFailed(string egress, string error, string message);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Egress {Egress}: broker connection failed ({Error}: {Message}); retrying.")]
    private partial void LogBrokerTrouble(string egress, string error, string message);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Scheduler failure detail.")]
    private partial void LogFailureDetail(Exception exception);
}
