using System.Text;
using RabbitMQ.Client;
using Sluice.Worker.Settlement;

namespace Sluice.Tests.Telemetry;

/// <summary>
/// The contract's promise that a producer's W3C trace context carries on past intake, which drops every other producer
/// header, with no span started by the worker (tracing is off without a collector); a malformed one does not.
/// </summary>
public sealed class TraceContextCarryOverTests
{
    private const string TraceParent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";

    [Fact]
    public void A_producers_trace_context_carries_on_and_its_other_headers_do_not()
    {
        var hop = NextHop.Fresh(Delivered(("traceparent", TraceParent), ("tracestate", "vendor=abc"), ("x-producer", "mine")), []);

        Assert.Equal(TraceParent, hop.Headers!["traceparent"]);
        Assert.Equal("vendor=abc", hop.Headers["tracestate"]);
        Assert.False(hop.Headers.ContainsKey("x-producer"));
    }

    [Theory]
    [InlineData("not a trace context")]
    [InlineData("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01-and-then-a-great-deal-more")]
    [InlineData("00-00000000000000000000000000000000-b7ad6b7169203331-01")]
    public void A_malformed_traceparent_is_dropped_with_its_tracestate(string traceParent)
    {
        var hop = NextHop.Fresh(Delivered(("traceparent", traceParent), ("tracestate", "vendor=abc")), []);

        Assert.False(hop.Headers!.ContainsKey("traceparent"));
        Assert.False(hop.Headers.ContainsKey("tracestate"));
    }

    [Fact]
    public void An_oversized_tracestate_is_dropped_and_the_traceparent_kept()
    {
        var hop = NextHop.Fresh(Delivered(("traceparent", TraceParent), ("tracestate", "vendor=" + new string('a', 600))), []);

        Assert.Equal(TraceParent, hop.Headers!["traceparent"]);
        Assert.False(hop.Headers.ContainsKey("tracestate"));
    }

    // As the broker delivers them: header strings arrive as bytes.
    private static BasicProperties Delivered(params (string Name, string Value)[] headers) => new()
    {
        Headers = headers.ToDictionary(h => h.Name, h => (object?)Encoding.UTF8.GetBytes(h.Value)),
    };
}
