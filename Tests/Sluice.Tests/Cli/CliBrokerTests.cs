using Sluice.Contracts;
using Sluice.Tests.Infrastructure;
using Sluice.Worker.Cli;
using Sluice.Worker.Topology;

namespace Sluice.Tests.Cli;

/// <summary>The <c>sluice</c> commands against a real RabbitMQ (a private vhost per test).</summary>
public sealed class CliBrokerTests
{
    [Fact]
    public async Task Topology_declare_then_publish_prints_the_id_and_the_message_reaches_intake()
    {
        await using var broker = await TestBroker.CreateAsync();

        var declare = await SluiceCli.RunAsync(broker.Configuration, "topology", "declare");
        Assert.Equal(ExitCodes.Ok, declare.ExitCode);
        Assert.Contains($"vhost '{broker.VirtualHost}'", declare.Output, StringComparison.Ordinal);

        string file = Path.Combine(AppContext.BaseDirectory, "ContractExamples", "valid", "everything.json");
        var publish = await SluiceCli.RunAsync(broker.Configuration, "publish", file);
        Assert.Equal(ExitCodes.Ok, publish.ExitCode);
        Assert.Equal("ticket-4711-reply-1", publish.Output.Trim());

        await using var connection = await broker.ConnectAsync();
        var message = await QueueReader.GetAsync(connection, QueueNames.Intake);
        Assert.NotNull(message);
        Assert.Equal("ticket-4711-reply-1", OutboundMailJson.Deserialize(message.Body.Span).Id);
    }

    [Fact]
    public async Task Publish_ndjson_publishes_every_valid_line_and_names_the_bad_ones_by_number()
    {
        await using var broker = await TestBroker.CreateAsync();
        await using var connection = await broker.ConnectWithTopologyAsync();
        string Line(int i) => System.Text.Encoding.UTF8.GetString(OutboundMailJson.Serialize(SampleMail.To($"r{i}@ndjson.example") with { Id = $"line-{i}" }));
        string file = Path.Combine(Path.GetTempPath(), $"sluice-{Guid.NewGuid():N}.ndjson");
        await File.WriteAllLinesAsync(file, [Line(1), "{ not json", string.Empty, Line(4), Line(5).Replace("@ndjson.example", "@", StringComparison.Ordinal), Line(6)]);
        try
        {
            var publish = await SluiceCli.RunAsync(broker.Configuration, "publish", file, "--ndjson");

            Assert.Equal(ExitCodes.InvalidInput, publish.ExitCode);
            Assert.Equal(["line-1", "line-4", "line-6"], publish.Output.Trim().Split('\n'));
            Assert.Contains(":2:", publish.Error, StringComparison.Ordinal);
            Assert.Contains("line 5: invalid message", publish.Error, StringComparison.Ordinal);
            var intake = await QueueReader.TakeAsync(connection, QueueNames.Intake, 3, TimeSpan.FromSeconds(30));
            Assert.Equal(["line-1", "line-4", "line-6"], intake.Select(d => OutboundMailJson.Deserialize(d.Body.Span).Id).Order(StringComparer.Ordinal));
            Assert.Equal(0u, await QueueReader.CountAsync(connection, QueueNames.Intake));
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task Publish_without_a_declared_topology_says_to_declare_it()
    {
        await using var broker = await TestBroker.CreateAsync();
        string file = Path.Combine(AppContext.BaseDirectory, "ContractExamples", "valid", "minimal-text.json");

        var publish = await SluiceCli.RunAsync(broker.Configuration, "publish", file);

        Assert.Equal(ExitCodes.Unavailable, publish.ExitCode);
        Assert.Contains("sluice topology declare", publish.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Pause_without_a_declared_topology_says_to_declare_it_in_one_line()
    {
        await using var broker = await TestBroker.CreateAsync();

        var pause = await SluiceCli.RunAsync(broker.Configuration, "pause", "egress:default");

        Assert.Equal(ExitCodes.Unavailable, pause.ExitCode);
        Assert.Contains("declare the topology first", pause.Error, StringComparison.Ordinal);
        Assert.Single(pause.Error.Trim().Split('\n'));
    }

    [Fact]
    public async Task Run_on_a_virtual_host_that_does_not_exist_is_one_line_and_exit_1()
    {
        var run = await SluiceCli.RunAsync([new("Broker:VirtualHost", $"sluice-missing-{Guid.NewGuid():N}"), new("Telemetry:Port", "0")], "run");

        Assert.Equal(ExitCodes.Unavailable, run.ExitCode);
        Assert.Contains("vhost", run.Error, StringComparison.Ordinal);
        Assert.Contains("not found", run.Error, StringComparison.Ordinal);
        Assert.Single(run.Error.Trim().Split('\n'));
    }

    [Fact]
    public async Task An_unreachable_broker_is_one_line_naming_the_keys_to_check()
    {
        await using var proxy = new TcpProxy(TestBroker.Host, TestBroker.Port);
        int closedPort = proxy.Port;
        await proxy.DisposeAsync();

        var run = await SluiceCli.RunAsync([new("Broker:Port", closedPort.ToString(System.Globalization.CultureInfo.InvariantCulture)), new("Broker:ConnectTimeout", "00:00:02")], "topology", "declare");

        Assert.Equal(ExitCodes.Unavailable, run.ExitCode);
        Assert.Contains("cannot reach the broker", run.Error, StringComparison.Ordinal);
        Assert.Contains("Broker:HostName", run.Error, StringComparison.Ordinal);
    }
}
