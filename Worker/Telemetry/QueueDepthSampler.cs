using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using RabbitMQ.Client;
using Sluice.Worker.Broker;
using Sluice.Worker.Topology;

namespace Sluice.Worker.Telemetry;

/// <summary>
/// Reads every mail queue's depth from the broker every <see cref="TelemetryOptions.QueueSampleInterval"/>
/// (passive declares on one channel: ready messages, not those a consumer holds) and exports them as the gauge <c>sluice.queue.depth</c>
/// (meter <c>Sluice.Queues</c>). Sampled, not counted: the broker is the truth, whoever moved the mail.
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
    private readonly ConcurrentDictionary<QueueTag, long> _depths = new();

    public QueueDepthSampler(
        BrokerConnector connector, IOptions<TopologyOptions> topology, IOptions<TelemetryOptions> options, IMeterFactory meterFactory,
        ReadinessState readiness, TimeProvider time, ILogger<QueueDepthSampler> logger)
    {
        _readiness = readiness;
        _time = time;
        ArgumentNullException.ThrowIfNull(meterFactory);
        _connector = connector;
        _topology = topology.Value;
        _options = options.Value;
        _logger = logger;
        meterFactory.Create(MeterName).CreateObservableGauge("sluice.queue.depth", () => _depths.Select(d => new Measurement<long>(d.Value,
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
        await using var channel = await connection.CreateChannelAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        foreach (var (queue, tag) in Queues())
        {
            var ok = await channel.QueueDeclarePassiveAsync(queue, cancellationToken).ConfigureAwait(false);
            _depths[tag] = ok.MessageCount;
        }
    }

    private IEnumerable<(string Queue, QueueTag Tag)> Queues()
    {
        yield return (QueueNames.Intake, new QueueTag("intake", string.Empty, string.Empty));
        yield return (QueueNames.Failed, new QueueTag("failed", string.Empty, string.Empty));
        yield return (QueueNames.Parked, new QueueTag("parked", string.Empty, string.Empty));
        foreach (string egress in _topology.EffectiveEgresses)
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
