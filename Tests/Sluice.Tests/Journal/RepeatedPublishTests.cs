using Sluice.Contracts.Publishing;
using Sluice.Simulator;
using Sluice.Tests.Infrastructure;

namespace Sluice.Tests.Journal;

/// <summary>The contract's promise: the same id is delivered at most once to each recipient, whatever the producer repeats.</summary>
public sealed class RepeatedPublishTests
{
    private static readonly TimeSpan HangGuard = TimeSpan.FromSeconds(60);
    private const string Skipped = "already had it";

    [Fact]
    public async Task A_message_published_again_back_to_back_after_delivery_and_after_a_restart_is_delivered_once()
    {
        await using var broker = await TestBroker.CreateAsync();
        await using var simulator = ReceivingSimulator.Start(new SimulatorOptions { Port = 0 });
        var configuration = PipelineConfiguration.For(broker, simulator, ("Logging:LogLevel:Sluice", "Information"));
        await using var connection = await broker.ConnectAsync();
        await using var publisher = await OutboundMailPublisher.CreateAsync(connection);
        var mail = SampleMail.To("ann@one.example", "bob@two.example");
        var other = SampleMail.To("cat@one.example");

        var logs = new LogCapture();
        await using (var worker = await InProcessWorker.StartAsync(configuration, logs))
        {
            // Back to back: both copies may be in the worker at once.
            await Task.WhenAll(publisher.PublishAsync(mail), publisher.PublishAsync(mail));
            await simulator.WaitUntilAsync(s => s.DeliveredCount >= 2, HangGuard);
            await logs.WaitForAsync(Skipped, 2, HangGuard);

            // Again, well after the first delivery; and a different message to a recipient it shares a domain with.
            await publisher.PublishAsync(mail);
            await publisher.PublishAsync(other);
            await logs.WaitForAsync(Skipped, 4, HangGuard);
            await simulator.WaitUntilAsync(s => s.DeliveredCount >= 3, HangGuard);
        }

        // A new owner learns from the journal what the last one delivered.
        var next = new LogCapture();
        await using (var worker = await InProcessWorker.StartAsync(configuration, next))
        {
            await next.WaitForAsync("delivery journal records", HangGuard);
            await publisher.PublishAsync(mail);
            await next.WaitForAsync(Skipped, 2, HangGuard);
        }

        var deliveries = RecordAnalysis.Deliveries(simulator.Records);
        Assert.Equal(["ann@one.example", "bob@two.example", "cat@one.example"], deliveries.Keys.Select(k => k.Recipient).Order());
        Assert.All(deliveries.Values, count => Assert.Equal(1, count));
    }
}
