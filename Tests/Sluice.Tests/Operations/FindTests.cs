using Sluice.Contracts.Publishing;
using Sluice.Simulator;
using Sluice.Tests.Infrastructure;
using Sluice.Worker.Cli;
using Sluice.Worker.Delivery;

namespace Sluice.Tests.Operations;

/// <summary><c>sluice find ID</c> tells what became of each recipient of a message.</summary>
public sealed class FindTests
{
    private static readonly TimeSpan HangGuard = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Find_shows_the_delivered_recipient_from_the_journal_and_the_failed_one_with_its_reason()
    {
        await using var broker = await TestBroker.CreateAsync();
        await using var simulator = ReceivingSimulator.Start(new SimulatorOptions
        {
            Port = 0,
            Rules = [new DomainRule { Pattern = "corp.example", UnknownUsers = ["nobody"] }],
        });
        var configuration = PipelineConfiguration.For(broker, simulator);
        await using var worker = await InProcessWorker.StartAsync(configuration);
        await using var connection = await broker.ConnectAsync();
        await using var publisher = await OutboundMailPublisher.CreateAsync(connection);
        var mail = SampleMail.To("ann@corp.example", "nobody@corp.example");

        await publisher.PublishAsync(mail);
        await simulator.WaitUntilAsync(s => s.DeliveredCount >= 1, HangGuard);
        await QueueReader.WaitForMessageAsync(connection, Sluice.Worker.Topology.QueueNames.Failed, HangGuard);
        var cli = configuration.Where(c => c.Key.StartsWith("Broker:", StringComparison.Ordinal) || c.Key.StartsWith("Topology:", StringComparison.Ordinal)).ToList();
        var found = await SluiceCli.RunAsync(cli, "find", mail.Id);
        var unknown = await SluiceCli.RunAsync(cli, "find", "no-such-id");

        Assert.Equal(ExitCodes.Ok, found.ExitCode);
        var lines = found.Output.Trim().Split('\n');
        Assert.Contains(lines, l => l.StartsWith("delivered", StringComparison.Ordinal) && l.Contains("ann@corp.example", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("failed", StringComparison.Ordinal) && l.Contains("nobody@corp.example", StringComparison.Ordinal)
            && l.Contains(FailureReasons.Rejected, StringComparison.Ordinal));
        Assert.Equal(ExitCodes.NotFound, unknown.ExitCode);
        Assert.Contains("Nothing known about no-such-id", unknown.Output, StringComparison.Ordinal);
    }
}
