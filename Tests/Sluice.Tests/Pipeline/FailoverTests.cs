using Sluice.Contracts.Publishing;
using Sluice.Simulator;
using Sluice.Tests.Infrastructure;
using Sluice.Worker.Topology;

namespace Sluice.Tests.Pipeline;

/// <summary>Two worker processes on one broker: one owns the egress, the other stands by and takes over.</summary>
public sealed class FailoverTests
{
    private static readonly TimeSpan HangGuard = TimeSpan.FromMinutes(2);
    private const string Owning = "now owns egress default";

    [Fact]
    public async Task Killing_the_owner_mid_drain_hands_the_egress_over_without_losing_mail_or_breaking_a_limit()
    {
        string[] domains = ["one.example", "two.example"];
        const int limit = 40;
        await using var broker = await TestBroker.CreateAsync();
        await using var simulator = ReceivingSimulator.Start(new SimulatorOptions
        {
            Port = 0,
            Rules = [new DomainRule { Pattern = "*", Limit = limit, Window = TimeSpan.FromSeconds(1) }],
        });
        var configuration = PipelineConfiguration.For(broker, simulator,
            ("Limits:Default:PermitLimit", "40"),
            ("Logging:LogLevel:Sluice.Worker.Scheduling", "Information"));

        await using var first = WorkerProcess.Start(configuration);
        await first.WaitForOutputAsync(Owning, HangGuard);
        await using var second = WorkerProcess.Start(configuration);
        await second.WaitForOutputAsync("standing by", HangGuard);

        await using var connection = await broker.ConnectAsync();
        await using var publisher = await OutboundMailPublisher.CreateAsync(connection);
        var mails = await MailLoad.PublishAsync(publisher, domains, perDomain: 150);
        await simulator.WaitUntilAsync(s => s.DeliveredCount >= 100, HangGuard);
        first.Kill();

        await second.WaitForOutputAsync(Owning, HangGuard);
        await simulator.WaitUntilAsync(s => s.DeliveredCount >= mails.Count && RecordAnalysis.Deliveries(s.Records).Count >= mails.Count, HangGuard);

        // Nothing lost: every message reached its recipient. The new owner replays the delivery journal, so
        // only the killed owner's in-flight sends (one per SMTP connection) can have gone out twice: accepted
        // by the receiver, but not yet recorded in the journal when it died.
        var deliveries = RecordAnalysis.Deliveries(simulator.Records);
        Assert.Equal(mails.Select(m => m.To[0].Address).Order(), deliveries.Keys.Select(k => k.Recipient).Order());
        Assert.InRange(deliveries.Values.Sum() - deliveries.Count, 0, 4);
        foreach (string domain in domains)
        {
            int most = RecordAnalysis.MaxAttemptsInAnyWindow(simulator.Records, domain, TimeSpan.FromSeconds(1));
            Assert.True(most <= limit, $"{domain}: {most} recipients in one window across the hand-over, limit {limit}");
        }

        Assert.Equal(0u, await QueueReader.CountAsync(connection, QueueNames.Failed));
    }
}
