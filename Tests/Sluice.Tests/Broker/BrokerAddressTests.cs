using System.Text;
using RabbitMQ.Client;
using Sluice.Worker.Broker;
using Sluice.Worker.Delivery;
using Sluice.Worker.Operations;

namespace Sluice.Tests.Broker;

public sealed class BrokerAddressTests
{
    [Theory]
    [InlineData("rabbit-1", "rabbit-1", 5672)]
    [InlineData("rabbit-2:5673", "rabbit-2", 5673)]
    [InlineData(" 10.0.0.7:5671 ", "10.0.0.7", 5671)]
    [InlineData("[::1]:5674", "::1", 5674)]
    [InlineData("[::1]", "::1", 5672)]
    public void A_cluster_node_is_host_or_host_and_port(string entry, string host, int port)
    {
        Assert.Equal((host, port), BrokerHosts.Parse(entry, 5672));
    }

    [Theory]
    [InlineData("rabbit:port")]
    [InlineData("rabbit:0")]
    [InlineData("rabbit:70000")]
    public void A_bad_port_is_refused(string entry)
    {
        Assert.Throws<FormatException>(() => BrokerHosts.Parse(entry, 5672));
    }

    [Theory]
    [InlineData(null, 20, false)]
    [InlineData(3L, 20, false)]
    [InlineData(18L, 20, false)]
    [InlineData(19L, 20, true)]
    [InlineData(4L, 5, true)]
    public void The_last_try_before_the_delivery_limit_is_known_from_the_brokers_count(long? returned, int limit, bool last)
    {
        var properties = new BasicProperties { Headers = returned is null ? null : new Dictionary<string, object?> { [DeliveryLimits.DeliveryCountHeader] = returned } };
        Assert.Equal(last, DeliveryLimits.IsLastTry(properties, limit));
    }

    [Fact]
    public void A_message_the_broker_dead_lettered_at_its_delivery_limit_reads_with_that_reason()
    {
        var properties = new BasicProperties
        {
            MessageId = "m1",
            Headers = new Dictionary<string, object?>
            {
                ["x-first-death-reason"] = Encoding.UTF8.GetBytes("delivery_limit"),
                ["x-first-death-queue"] = Encoding.UTF8.GetBytes("mail.egress.default"),
            },
        };
        var held = HeldMessage.From(new BasicGetResult(1, false, string.Empty, "mail.failed", 0, properties, Encoding.UTF8.GetBytes("{}")));
        Assert.Equal(FailureReasons.DeliveryLimit, held.Reason);
        Assert.Contains("mail.egress.default", held.Detail, StringComparison.Ordinal);
    }
}
