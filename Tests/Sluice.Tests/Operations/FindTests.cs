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
        var byTenant = await SluiceCli.RunAsync(cli, "find", "--tenant", mail.Tenant, "--since", "1h", "--json");
        var otherTenant = await SluiceCli.RunAsync(cli, "find", "--tenant", "someone-else");
        var future = await SluiceCli.RunAsync(cli, "find", mail.Id, "--since", DateTimeOffset.UtcNow.AddHours(1).ToString("O"));
        var badSince = await SluiceCli.RunAsync(cli, "find", mail.Id, "--since", "yesterday");
        var nothingAsked = await SluiceCli.RunAsync(cli, "find");

        Assert.Equal(ExitCodes.Ok, found.ExitCode);
        var lines = found.Output.Trim().Split('\n');
        Assert.Contains(lines, l => l.StartsWith($"{mail.Id}  delivered", StringComparison.Ordinal) && l.Contains("ann@corp.example", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith($"{mail.Id}  failed", StringComparison.Ordinal) && l.Contains("nobody@corp.example", StringComparison.Ordinal)
            && l.Contains(FailureReasons.Rejected, StringComparison.Ordinal));

        // A tenant's mail since an age, as JSON lines; another tenant's, or the future, has nothing.
        Assert.Equal(ExitCodes.Ok, byTenant.ExitCode);
        var states = byTenant.Output.Trim().Split('\n').Select(l => System.Text.Json.JsonDocument.Parse(l).RootElement)
            .Select(e => (e.GetProperty("id").GetString(), e.GetProperty("state").GetString())).Order().ToList();
        Assert.Equal([(mail.Id, "delivered"), (mail.Id, "failed")], states);
        Assert.Equal(ExitCodes.NotFound, otherTenant.ExitCode);
        Assert.Equal(ExitCodes.NotFound, future.ExitCode);
        Assert.Equal(ExitCodes.InvalidInput, badSince.ExitCode);
        Assert.Contains("--since 'yesterday'", badSince.Error + badSince.Output, StringComparison.Ordinal);
        Assert.Equal(ExitCodes.InvalidInput, nothingAsked.ExitCode);
        Assert.Contains("(sluice find --help shows the usage)", nothingAsked.Error, StringComparison.Ordinal);
        Assert.Equal(ExitCodes.NotFound, unknown.ExitCode);
        Assert.Contains("Nothing known about no-such-id", unknown.Output, StringComparison.Ordinal);
    }
}
