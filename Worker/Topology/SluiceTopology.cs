using Sluice.Contracts.Events;
using Sluice.Contracts.Publishing;

namespace Sluice.Worker.Topology;

/// <summary>
/// The one place that decides the broker topology. All queues are quorum queues
/// (replicated, durable, with delivery counting). Internal hops use the default exchange with the queue
/// name as routing key, so only the producer-facing exchanges exist as objects of their own: the one
/// producers publish to, and the one the worker tells them what became of their mail on.
/// </summary>
public static class SluiceTopology
{
    /// <summary>The intake binding matches every routing key: intake re-routes by recipient domain itself.</summary>
    public const string IntakeBindingKey = "#";

    public static TopologyDefinition Build(TopologyOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var queues = new List<QueueDefinition>
        {
            new(QueueNames.Intake, DeadLetteringToFailed(options.IntakeDeliveryLimit)),
            new(QueueNames.Failed, Quorum()),
            new(QueueNames.Parked, Quorum()),
            new(QueueNames.Control, AgedStream(options.ControlMaxAge, segmentBytes: 1024 * 1024)),
        };

        foreach (string egress in options.EffectiveEgresses)
        {
            queues.Add(new(QueueNames.Egress(egress), SingleActiveConsumer(DeadLetteringToFailed(options.EgressDeliveryLimit))));
            queues.Add(new(QueueNames.Due(egress), SingleActiveConsumer(DeadLetteringToFailed(options.EgressDeliveryLimit))));
            queues.Add(new(QueueNames.Status(egress), LatestOnly()));
            queues.Add(new(QueueNames.Journal(egress), AgedStream(options.JournalMaxAge, segmentBytes: 8L * 1024 * 1024)));
            foreach (var tier in options.EffectiveDelayTiers)
            {
                queues.Add(new(QueueNames.Delay(egress, tier), DelayTier(tier, QueueNames.Due(egress))));
            }
        }

        return new TopologyDefinition(
            [new ExchangeDefinition(OutboundWire.Exchange, "topic"), new ExchangeDefinition(DeliveryEventWire.Exchange, "topic")],
            queues,
            [new BindingDefinition(OutboundWire.Exchange, QueueNames.Intake, IntakeBindingKey)]);
    }

    /// <summary>
    /// A waiting lane's arguments: like an egress queue (one consumer, the owner; poison mail ends in
    /// <c>mail.failed</c>). Lanes come and go with backlogs, so the owner declares them, not the topology.
    /// </summary>
    public static IDictionary<string, object?> LaneArguments(TopologyOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return SingleActiveConsumer(DeadLetteringToFailed(options.EgressDeliveryLimit)).ToDictionary(a => a.Key, a => (object?)a.Value, StringComparer.Ordinal);
    }

    /// <summary>
    /// A stream that keeps its records for <paramref name="maxAge"/>; small segments, because a stream drops whole
    /// segments only, so retention follows the age closely (the control stream's few entries would otherwise sit in
    /// one default 500 MB segment forever).
    /// </summary>
    private static SortedDictionary<string, object> AgedStream(TimeSpan maxAge, long segmentBytes) => new(StringComparer.Ordinal)
    {
        ["x-queue-type"] = "stream",
        ["x-max-age"] = $"{(long)maxAge.TotalSeconds}s",
        ["x-stream-max-segment-size-bytes"] = segmentBytes,
    };

    /// <summary>Holds only the newest message: publishing a new one drops the older (status snapshots).</summary>
    private static SortedDictionary<string, object> LatestOnly()
    {
        var arguments = Quorum();
        arguments["x-max-length"] = 1L;
        arguments["x-overflow"] = "drop-head";
        return arguments;
    }

    private static SortedDictionary<string, object> Quorum() =>
        new(StringComparer.Ordinal) { ["x-queue-type"] = "quorum" };

    /// <summary>
    /// A poison message cannot loop forever: past the delivery limit the broker dead-letters it to
    /// <c>mail.failed</c>. At-least-once dead-lettering (which needs reject-publish overflow) means the
    /// broker keeps it until <c>mail.failed</c> has confirmed it.
    /// </summary>
    private static SortedDictionary<string, object> DeadLetteringToFailed(int deliveryLimit)
    {
        var arguments = AtLeastOnceDeadLettering(QueueNames.Failed);
        arguments["x-delivery-limit"] = (long)deliveryLimit;
        return arguments;
    }

    /// <summary>One scheduler owns an egress; standbys take over when it dies.</summary>
    private static SortedDictionary<string, object> SingleActiveConsumer(SortedDictionary<string, object> arguments)
    {
        arguments["x-single-active-consumer"] = true;
        return arguments;
    }

    /// <summary>
    /// One queue per delay length, because RabbitMQ expires messages only at the head of a queue:
    /// every message in a tier has the same TTL, so expiry order is arrival order.
    /// </summary>
    private static SortedDictionary<string, object> DelayTier(TimeSpan tier, string returnQueue)
    {
        var arguments = AtLeastOnceDeadLettering(returnQueue);
        arguments["x-message-ttl"] = (long)tier.TotalMilliseconds;
        return arguments;
    }

    private static SortedDictionary<string, object> AtLeastOnceDeadLettering(string targetQueue)
    {
        var arguments = Quorum();
        arguments["x-dead-letter-exchange"] = string.Empty;
        arguments["x-dead-letter-routing-key"] = targetQueue;
        arguments["x-dead-letter-strategy"] = "at-least-once";
        arguments["x-overflow"] = "reject-publish";
        return arguments;
    }
}
