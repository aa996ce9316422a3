using Sluice.Contracts.Publishing;
using Sluice.Simulator;
using Sluice.Tests.Infrastructure;
using Sluice.Worker.Topology;

namespace Sluice.Tests.Pipeline;

/// <summary>A receiver that takes only so many recipients per transaction: "452 4.5.3 too many recipients" splits the rest.</summary>
public sealed class SplitAndRetryTests
{
    private static readonly TimeSpan HangGuard = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Too_many_recipients_are_split_and_retried_until_every_one_is_delivered_once()
    {
        await using var broker = await TestBroker.CreateAsync();
        await using var simulator = ReceivingSimulator.Start(new SimulatorOptions
        {
            Port = 0,
            Rules = [new DomainRule { Pattern = "capped.example", MaxRecipientsPerTransaction = 2 }],
        });
        await using var worker = await InProcessWorker.StartAsync(PipelineConfiguration.For(broker, simulator));
        await using var connection = await broker.ConnectAsync();
        await using var publisher = await OutboundMailPublisher.CreateAsync(connection);
        string[] recipients = [.. Enumerable.Range(0, 7).Select(i => $"r{i}@capped.example")];
        await publisher.PublishAsync(SampleMail.To(recipients));

        await simulator.WaitUntilAsync(s => s.DeliveredCount >= recipients.Length, HangGuard);
        var records = simulator.Records.ToList();
        Assert.Contains(records, r => r.Reply.StartsWith("452 4.5.3", StringComparison.Ordinal));
        var deliveries = RecordAnalysis.Deliveries(records);
        Assert.Equal(recipients.Order(), deliveries.Keys.Select(k => k.Recipient).Order());
        Assert.All(deliveries.Values, count => Assert.Equal(1, count));
        Assert.Equal(0u, await QueueReader.CountAsync(connection, QueueNames.Failed));
        Assert.Equal(0u, await QueueReader.CountAsync(connection, QueueNames.Parked));
    }
}
