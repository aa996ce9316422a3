using Sluice.Worker.Topology;

namespace Sluice.Tests.Topology;

public sealed class TopologyDefinitionTests
{
    [Theory]
    [InlineData(1_000, "1s")]
    [InlineData(30_000, "30s")]
    [InlineData(120_000, "2m")]
    [InlineData(3_600_000, "1h")]
    [InlineData(1_500, "1500ms")]
    public void Tier_labels_read_as_durations(int milliseconds, string label) =>
        Assert.Equal(label, QueueNames.TierLabel(TimeSpan.FromMilliseconds(milliseconds)));

    [Fact]
    public void Every_egress_gets_a_fresh_queue_a_due_queue_and_one_queue_per_delay_tier()
    {
        var options = new TopologyOptions { Egresses = ["eu", "us"], DelayTiers = [TimeSpan.FromSeconds(5), TimeSpan.FromMinutes(2)] };
        var names = SluiceTopology.Build(options).Queues.Select(q => q.Name).ToList();
        Assert.Equal(
        [
            "mail.intake", "mail.failed", "mail.parked", "mail.control",
            "mail.egress.eu", "mail.egress.eu.due", "mail.status.eu", "mail.journal.eu", "mail.delay.eu.5s", "mail.delay.eu.2m",
            "mail.egress.us", "mail.egress.us.due", "mail.status.us", "mail.journal.us", "mail.delay.us.5s", "mail.delay.us.2m",
        ], names);
    }

    [Fact]
    public void Delay_tiers_expire_into_the_due_queue_of_their_egress()
    {
        var topology = SluiceTopology.Build(new TopologyOptions { DelayTiers = [TimeSpan.FromSeconds(30)] });
        var tier = topology.Queues.Single(q => q.Name == "mail.delay.default.30s");
        Assert.Equal(30_000L, tier.Arguments["x-message-ttl"]);
        Assert.Equal(string.Empty, tier.Arguments["x-dead-letter-exchange"]);
        Assert.Equal("mail.egress.default.due", tier.Arguments["x-dead-letter-routing-key"]);
        Assert.Equal("at-least-once", tier.Arguments["x-dead-letter-strategy"]);
        Assert.Equal("reject-publish", tier.Arguments["x-overflow"]);
    }

    [Fact]
    public void Egress_queues_have_one_active_consumer_and_a_delivery_limit_into_failed()
    {
        var topology = SluiceTopology.Build(new TopologyOptions { EgressDeliveryLimit = 7 });
        foreach (var queue in topology.Queues.Where(q => q.Name.StartsWith("mail.egress.", StringComparison.Ordinal)))
        {
            Assert.Equal(true, queue.Arguments["x-single-active-consumer"]);
            Assert.Equal(7L, queue.Arguments["x-delivery-limit"]);
            Assert.Equal("mail.failed", queue.Arguments["x-dead-letter-routing-key"]);
        }

        string[] streams = [QueueNames.Control, QueueNames.Journal(QueueNames.DefaultEgress)];
        Assert.All(topology.Queues.Where(q => !streams.Contains(q.Name)), q => Assert.Equal("quorum", q.Arguments["x-queue-type"]));
        Assert.All(streams, name => Assert.Equal("stream", topology.Queues.Single(q => q.Name == name).Arguments["x-queue-type"]));
        Assert.Equal("259200s", topology.Queues.Single(q => q.Name == QueueNames.Journal(QueueNames.DefaultEgress)).Arguments["x-max-age"]);
        Assert.Equal("2592000s", topology.Queues.Single(q => q.Name == QueueNames.Control).Arguments["x-max-age"]); // 30 days: control entries age out too
    }

    [Fact]
    public void Defaults_apply_when_nothing_is_configured()
    {
        var options = new TopologyOptions();
        Assert.Equal([QueueNames.DefaultEgress], options.EffectiveEgresses);
        Assert.Equal(TopologyOptions.DefaultDelayTiers, options.EffectiveDelayTiers);
    }
}
