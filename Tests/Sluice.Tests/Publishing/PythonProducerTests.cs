using Sluice.Contracts;
using Sluice.Contracts.Validation;
using Sluice.Tests.Infrastructure;
using Sluice.Worker.Topology;

namespace Sluice.Tests.Publishing;

/// <summary>
/// The producer contract's Python (pika) producer (docs/contract.md), run as written against a real broker: what a producer in
/// another language builds from that page alone must land in <c>mail.intake</c> as valid contract JSON.
/// </summary>
public sealed class PythonProducerTests
{
    [Fact]
    public async Task The_contract_pages_python_producer_publishes_a_message_that_lands_in_intake()
    {
        string code = RepositoryFiles.ContractPythonBlocks()[0];
        Assert.Contains("basic_publish", code, StringComparison.Ordinal);

        await using var broker = await TestBroker.CreateAsync();
        await using var connection = await broker.ConnectWithTopologyAsync();

        // Debian's python3-pika installs for the system interpreter.
        var python = await ExternalCommand.RunAsync(
            File.Exists("/usr/bin/python3") ? "/usr/bin/python3" : "python3",
            ["-c", code],
            environment: new Dictionary<string, string> { ["AMQP_URL"] = $"amqp://guest:guest@{TestBroker.Host}:{TestBroker.Port}/{Uri.EscapeDataString(broker.VirtualHost)}" },
            hangGuard: TimeSpan.FromSeconds(60));
        Assert.True(python.ExitCode == 0, $"python exited {python.ExitCode}: {python.Error}");
        string id = python.Output.Trim();

        var message = await QueueReader.GetAsync(connection, QueueNames.Intake);
        Assert.NotNull(message);
        Assert.Equal(id, message.BasicProperties.MessageId);
        Assert.Equal("application/json", message.BasicProperties.ContentType);
        Assert.Equal("xn--bcher-kva.example", message.RoutingKey);
        var mail = OutboundMailJson.Deserialize(message.Body.Span);
        Assert.True(OutboundMailValidator.Validate(mail, new ContractLimits()).IsValid);
        Assert.Equal(id, mail.Id);
    }
}
