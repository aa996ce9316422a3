using Sluice.Contracts.Publishing;
using Sluice.Simulator;
using Sluice.Tests.Infrastructure;
using Sluice.Worker.Delivery;
using Sluice.Worker.Topology;

namespace Sluice.Tests.Pipeline;

/// <summary>A receiver that takes the message and hangs up before its reply: bounded resends, then parked; never a loop.</summary>
public sealed class UncertainDeliveryTests
{
    private static readonly TimeSpan HangGuard = TimeSpan.FromSeconds(60);

    [Theory]
    [InlineData(0)]
    [InlineData(2)]
    public async Task A_receiver_that_hangs_up_after_data_gets_the_message_at_most_budget_plus_one_times_and_it_is_parked(int retries)
    {
        await using var broker = await TestBroker.CreateAsync();
        await using var simulator = ReceivingSimulator.Start(new SimulatorOptions
        {
            Port = 0,
            Rules = [new DomainRule { Pattern = "drop.example", HangUpAfterData = true }],
        });
        await using var worker = await InProcessWorker.StartAsync(PipelineConfiguration.For(broker, simulator,
            ("Retry:UncertainRetries", retries.ToString(System.Globalization.CultureInfo.InvariantCulture))));
        await using var connection = await broker.ConnectAsync();
        await using var publisher = await OutboundMailPublisher.CreateAsync(connection);
        var dropped = SampleMail.To("ann@drop.example");
        var fine = SampleMail.To("bob@fine.example");

        await publisher.PublishAsync(dropped);
        await publisher.PublishAsync(fine);
        var parked = Assert.Single(await QueueReader.TakeAsync(connection, QueueNames.Parked, 1, HangGuard));
        await simulator.WaitUntilAsync(s => s.Records.Any(r => r.Recipient == "bob@fine.example" && r.Stage == ReplyRecord.DataStage), HangGuard);

        Assert.Equal(dropped.Id, parked.BasicProperties.MessageId);
        Assert.Equal(FailureReasons.UncertainDelivery, MailHeaders.GetString(parked.BasicProperties.Headers, MailHeaders.Reason));
        var deliveries = RecordAnalysis.Deliveries(simulator.Records);
        Assert.Equal(retries + 1, deliveries.Single(d => d.Key.Recipient == "ann@drop.example").Value);
        Assert.Equal(1, deliveries.Single(d => d.Key.Recipient == "bob@fine.example").Value);
    }
}
