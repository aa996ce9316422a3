using System.Diagnostics.Metrics;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;
using Sluice.Worker.Broker;
using Sluice.Worker.Topology;

namespace Sluice.Worker.Telemetry;

/// <summary>
/// Reads mail queue depths from the broker every <see cref="TelemetryOptions.QueueSampleInterval"/>
/// (passive declares: ready messages, not those a consumer holds) and exports them as the gauge <c>sluice.queue.depth</c>
/// (meter <c>Sluice.Queues</c>). Sampled, not counted: the broker is the truth, whoever moved the mail. Each
/// series comes from one worker only, so a dashboard's sum is right with any number of replicas: an egress's
/// queues (its waiting lanes summed as <c>lane</c>) from its owner, and intake, failed and parked from the
/// owner of the first egress.
/// </summary>
internal sealed class QueueDepthSampler : BackgroundService
{
    public const string MeterName = "Sluice.Queues";

    private readonly BrokerConnector _connector;
    private readonly TopologyOptions _topology;
    private readonly TelemetryOptions _options;
    private readonly ILogger<QueueDepthSampler> _logger;
    private readonly TimeProvider _time;
    private readonly ReadinessState _readiness;
    private readonly SchedulerTelemetry _owners;
    private volatile IReadOnlyDictionary<QueueTag, long> _depths = new Dictionary<QueueTag, long>();

    public QueueDepthSampler(
        BrokerConnector connector, IOptions<TopologyOptions> topology, IOptions<TelemetryOptions> options, IMeterFactory meterFactory,
        ReadinessState readiness, SchedulerTelemetry owners, TimeProvider time, ILogger<QueueDepthSampler> logger)
    {
        _owners = owners;
        _readiness = readiness;
        _time = time;
        ArgumentNullException.ThrowIfNull(meterFactory);
        _connector = connector;
        _topology = topology.Value;
        _options = options.Value;
        _logger = logger;
        meterFactory.Create(MeterName).CreateObservableGauge("sluice.queue.depth", () => _depths.Where(d => StillOwned(d.Key)).Select(d => new Measurement<long>(d.Value,
            new KeyValuePair<string, object?>("queue", d.Key.Kind),
            new KeyValuePair<string, object?>("egress", d.Key.Egress),
            new KeyValuePair<string, object?>("tier", d.Key.Tier))), "{message}", "Messages ready in each mail queue (not those a consumer holds), sampled from the broker.");
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        BrokerRetry.RunAsync("Queue depth sampler", SampleForeverAsync, _time, _logger, stoppingToken);

    private async Task SampleForeverAsync(CancellationToken stoppingToken)
    {
        await _readiness.Declared.WaitAsync(stoppingToken).ConfigureAwait(false);
        using var timer = new PeriodicTimer(_options.QueueSampleInterval);
        await using var connection = await _connector.ConnectAsync("queue-depths", stoppingToken).ConfigureAwait(false);
        do
        {
            await SampleAsync(connection, stoppingToken).ConfigureAwait(false);
        }
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }

    private async Task SampleAsync(IConnection connection, CancellationToken cancellationToken)
    {
        var depths = new Dictionary<QueueTag, long>();
        await using (var channel = await connection.CreateChannelAsync(cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            foreach (var (queue, tag) in Queues())
            {
                depths[tag] = (await channel.QueueDeclarePassiveAsync(queue, cancellationToken).ConfigureAwait(false)).MessageCount;
            }
        }

        foreach (string egress in _topology.EffectiveEgresses.Where(_owners.Owns))
        {
            depths[new QueueTag("lane", egress, string.Empty)] = await LaneDepthAsync(connection, egress, cancellationToken).ConfigureAwait(false);
        }

        _depths = depths;
    }

    /// <summary>The messages waiting in an egress's lanes; a lane removed since it was listed counts nothing.</summary>
    private async Task<long> LaneDepthAsync(IConnection connection, string egress, CancellationToken cancellationToken)
    {
        var sampled = new Dictionary<string, long>(StringComparer.Ordinal);
        IChannel? channel = null;
        try
        {
            foreach (string lane in _owners.LaneQueues(egress))
            {
                // A passive declare of a queue that is gone closes its channel: a new one only after that happens.
                channel = channel is { IsOpen: true } ? channel : await ReopenAsync(connection, channel, cancellationToken).ConfigureAwait(false);
                try
                {
                    sampled[lane] = (await channel.QueueDeclarePassiveAsync(lane, cancellationToken).ConfigureAwait(false)).MessageCount;
                }
                catch (OperationInterruptedException)
                {
                    // Removed since it was listed: empty.
                }
            }

            _owners.LanesSampled(egress, sampled);
        }
        finally
        {
            if (channel is not null)
            {
                await channel.DisposeAsync().ConfigureAwait(false);
            }
        }

        return sampled.Values.Sum();
    }

    private static async Task<IChannel> ReopenAsync(IConnection connection, IChannel? closed, CancellationToken cancellationToken)
    {
        if (closed is not null)
        {
            await closed.DisposeAsync().ConfigureAwait(false);
        }

        return await connection.CreateChannelAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// A sampled series is exported only while this worker still owns what it belongs to: an egress handed over since the
    /// last sample would otherwise be exported by two workers until the next one.
    /// </summary>
    private bool StillOwned(QueueTag tag) => tag.Egress.Length > 0
        ? _owners.Owns(tag.Egress)
        : _topology.EffectiveEgresses is [var first, ..] && _owners.Owns(first);

    private IEnumerable<(string Queue, QueueTag Tag)> Queues()
    {
        if (_topology.EffectiveEgresses is [var first, ..] && _owners.Owns(first))
        {
            yield return (QueueNames.Intake, new QueueTag("intake", string.Empty, string.Empty));
            yield return (QueueNames.Failed, new QueueTag("failed", string.Empty, string.Empty));
            yield return (QueueNames.Parked, new QueueTag("parked", string.Empty, string.Empty));
        }

        foreach (string egress in _topology.EffectiveEgresses.Where(_owners.Owns))
        {
            yield return (QueueNames.Egress(egress), new QueueTag("egress", egress, string.Empty));
            yield return (QueueNames.Due(egress), new QueueTag("due", egress, string.Empty));
            foreach (var tier in _topology.DelayTiers)
            {
                yield return (QueueNames.Delay(egress, tier), new QueueTag("delay", egress, QueueNames.TierLabel(tier)));
            }
        }
    }

    private readonly record struct QueueTag(string Kind, string Egress, string Tier);
}
