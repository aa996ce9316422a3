using Sluice.Contracts;
using Sluice.Contracts.Publishing;
using Sluice.Simulator;
using Sluice.Tests.Infrastructure;

namespace Sluice.Tests.Pipeline;

/// <summary>The contract's promise: fresh transactional mail overtakes a bulk backlog of its own partition.</summary>
public sealed class PriorityTests
{
    private static readonly TimeSpan HangGuard = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task A_transactional_message_takes_its_partitions_next_permit_ahead_of_a_waiting_bulk_backlog()
    {
        await using var broker = await TestBroker.CreateAsync();
        await using var simulator = ReceivingSimulator.Start(new SimulatorOptions { Port = 0 });
        await using var worker = await InProcessWorker.StartAsync(PipelineConfiguration.For(broker, simulator,
            ("Limits:Default:PermitLimit", "2"), ("Limits:Default:Window", "00:00:01"), ("Limits:Default:Concurrency", "1")));
        await using var connection = await broker.ConnectAsync();
        await using var publisher = await OutboundMailPublisher.CreateAsync(connection);

        // 30 bulk messages at 2 a second: a backlog of about 15 s waits in the partition's lane.
        var bulk = Enumerable.Range(0, 30).Select(i => SampleMail.To($"news{i}@prio.example") with { Priority = MailPriority.Bulk }).ToList();
        await Task.WhenAll(bulk.Select(m => publisher.PublishAsync(m)));
        await simulator.WaitUntilAsync(s => s.DeliveredCount >= 4, HangGuard);

        int deliveredBefore = simulator.DeliveredCount;
        var reset = SampleMail.To("reset@prio.example");
        await publisher.PublishAsync(reset);
        await simulator.WaitUntilAsync(s => s.Records.Any(r => r.Recipient == "reset@prio.example" && r.IsAccepted), HangGuard);

        // It goes with one of the partition's next permits, not behind the rest of the backlog (about 25 more).
        var accepted = simulator.Records.Where(r => r.Stage == ReplyRecord.RcptStage && r.IsAccepted).Select(r => r.Recipient).ToList();
        int position = accepted.IndexOf("reset@prio.example");
        Assert.InRange(position, deliveredBefore, deliveredBefore + 3);
        Assert.True(accepted.Count < bulk.Count + 1, "the backlog had drained already: nothing was overtaken");
        Assert.Equal(MailPriority.Transactional, reset.Priority);
    }
}
