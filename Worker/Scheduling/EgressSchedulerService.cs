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
/// means every limit is exact with any number of replicas.
/// </summary>
internal sealed partial class EgressSchedulerService(
    BrokerConnector connector,
    EgressServices services,
    IOptions<TopologyOptions> topology,
    EgressSettings settings,
    IOptions<SchedulerOptions> scheduler,
    IOptions<BrokerOptions> broker,
    ILogger<EgressSchedulerService> logger) : BackgroundService
{
    public static string LeaseQueue(string egress) => $"mail.lease.{egress}";

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(topology.Value.EffectiveEgresses.Select(egress => ContendAsync(egress, stoppingToken)));

    private async Task ContendAsync(string egress, CancellationToken stoppingToken)
    {
        bool announcedStandby = false;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var connection = await connector.ConnectAsync($"egress {egress}", stoppingToken, automaticRecovery: false).ConfigureAwait(false);
                if (await TryTakeLeaseAsync(connection, egress, stoppingToken).ConfigureAwait(false))
                {
                    announcedStandby = false;
                    var session = new EgressSession(egress, connection, services, Options.Create(settings.Limits(egress)), Options.Create(settings.Smtp(egress)),
                        scheduler, broker, topology.Value, logger);
                    await session.RunAsync(stoppingToken).ConfigureAwait(false);
                    continue;
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

    [LoggerMessage(Level = LogLevel.Information, Message = "Egress {Egress} is owned by another worker; standing by.")]
    private partial void LogStandby(string egress);

    [LoggerMessage(Level = LogLevel.Error, Message = "Egress {Egress}: the scheduler failed ({Error}: {Message}); contending for the egress again.")]
    private partial void LogSessionFailed(string egress, string error, string message);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Egress {Egress}: broker connection failed ({Error}: {Message}); retrying.")]
    private partial void LogBrokerTrouble(string egress, string error, string message);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Scheduler failure detail.")]
    private partial void LogFailureDetail(Exception exception);
}
