using Json.Schema;
using RabbitMQ.Client;
using Sluice.Contracts.Events;
using Sluice.Contracts.Publishing;
using Sluice.Simulator;
using Sluice.Tests.Infrastructure;

namespace Sluice.Tests.Journal;

/// <summary>Producers follow their mail on <c>mail.events</c>: one event per recipient and outcome, in the published schema.</summary>
public sealed class DeliveryEventTests
{
    private static readonly TimeSpan HangGuard = TimeSpan.FromSeconds(60);
    private static readonly JsonSchema Schema = JsonSchema.FromText(RepositoryFiles.ReadAllText("Contracts/Schema/delivery-event.v1.schema.json"));

    [Fact]
    public async Task Each_recipient_outcome_is_published_with_tenant_and_outcome_in_the_routing_key()
    {
        await using var broker = await TestBroker.CreateAsync();
        await using var simulator = ReceivingSimulator.Start(new SimulatorOptions
        {
            Port = 0,
            Rules = [new DomainRule { Pattern = "corp.example", UnknownUsers = ["nobody"] }],
        });
        await using var worker = await InProcessWorker.StartAsync(PipelineConfiguration.For(broker, simulator));
        await using var connection = await broker.ConnectAsync();
        string queue = await DeliveryEventFollower.BindAsync(connection, "#");
        string failures = await DeliveryEventFollower.BindAsync(connection, "failed.#");
        await using var publisher = await OutboundMailPublisher.CreateAsync(connection);

        var mail = SampleMail.To("ann@corp.example", "nobody@corp.example");
        await publisher.PublishAsync(mail);
        var first = await QueueReader.TakeAsync(connection, queue, 2, HangGuard);
        await publisher.PublishAsync(mail); // the same id again: ann already has it
        var second = await QueueReader.TakeAsync(connection, queue, 2, HangGuard);

        var messages = first.Concat(second).ToList();
        Assert.All(messages, m => Assert.True(
            Schema.Evaluate(System.Text.Json.JsonDocument.Parse(m.Body).RootElement, new EvaluationOptions { RequireFormatValidation = true }).IsValid,
            System.Text.Encoding.UTF8.GetString(m.Body.Span)));
        var events = messages.SelectMany(m => DeliveryEventWire.Deserialize(m.Body.Span).Select(e => (m.RoutingKey, Event: e))).ToList();
        Assert.All(events, e => Assert.Equal($"{e.Event.Outcome}.{mail.Tenant}", e.RoutingKey));
        Assert.All(events, e => Assert.Equal((mail.Id, mail.Tenant, "default"), (e.Event.Id, e.Event.Tenant, e.Event.Egress)));
        Assert.Equal(
            [("ann@corp.example", "delivered"), ("ann@corp.example", "duplicate"), ("nobody@corp.example", "failed"), ("nobody@corp.example", "failed")],
            events.Select(e => (e.Event.Recipient, e.Event.Outcome)).Order().ToList());
        var failed = events.First(e => e.Event.Outcome == DeliveryOutcomes.Failed).Event;
        Assert.Equal("smtp-rejected", failed.Reason);
        Assert.StartsWith("550", failed.Reply, StringComparison.Ordinal);
        Assert.Equal(1, simulator.DeliveredCount);

        // A binding on the outcome sees only that outcome.
        var failedOnly = await QueueReader.TakeAsync(connection, failures, 2, HangGuard);
        Assert.All(failedOnly, d => Assert.StartsWith("failed.", d.RoutingKey, StringComparison.Ordinal));
        Assert.Equal(0u, await QueueReader.CountAsync(connection, failures));
    }

    [Fact]
    public async Task The_contract_pages_python_consumer_prints_the_events_of_a_message()
    {
        string code = RepositoryFiles.ContractPythonBlocks().Single(c => c.Contains("mail.events", StringComparison.Ordinal));
        await using var broker = await TestBroker.CreateAsync();
        await using var simulator = ReceivingSimulator.Start(new SimulatorOptions { Port = 0 });
        await using var worker = await InProcessWorker.StartAsync(PipelineConfiguration.For(broker, simulator));
        await using var connection = await broker.ConnectAsync();

        using var python = new System.Diagnostics.Process
        {
            StartInfo = new System.Diagnostics.ProcessStartInfo(File.Exists("/usr/bin/python3") ? "/usr/bin/python3" : "python3", ["-u", "-c", code])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                Environment = { ["AMQP_URL"] = $"amqp://guest:guest@{TestBroker.Host}:{TestBroker.Port}/{Uri.EscapeDataString(broker.VirtualHost)}" },
            },
        };
        python.Start();
        try
        {
            // The example binds its queue, then says so: only then can it see what is published next.
            await ReadLineContainingAsync(python, "waiting for events");
            await using var publisher = await OutboundMailPublisher.CreateAsync(connection);
            var mail = SampleMail.To("ann@corp.example");
            await publisher.PublishAsync(mail);
            string line = await ReadLineContainingAsync(python, mail.Id);
            Assert.Contains("delivered", line, StringComparison.Ordinal);
            Assert.Contains("ann@corp.example", line, StringComparison.Ordinal);
        }
        finally
        {
            python.Kill(entireProcessTree: true);
        }
    }

    private static async Task<string> ReadLineContainingAsync(System.Diagnostics.Process process, string text)
    {
        using var guard = new CancellationTokenSource(HangGuard);
        while (await process.StandardOutput.ReadLineAsync(guard.Token) is { } line)
        {
            if (line.Contains(text, StringComparison.Ordinal))
            {
                return line;
            }
        }

        throw new InvalidOperationException($"python ended without printing '{text}': {await process.StandardError.ReadToEndAsync()}");
    }

}
