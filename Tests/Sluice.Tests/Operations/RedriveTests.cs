using Sluice.Tests.Infrastructure;
using Sluice.Worker.Delivery;
using Sluice.Worker.Operations;
using Sluice.Worker.Topology;

namespace Sluice.Tests.Operations;

/// <summary><c>sluice redrive</c> and <c>sluice inspect</c> against the real broker.</summary>
public sealed class RedriveTests
{
    private static readonly TimeSpan HangGuard = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Redrive_moves_exactly_the_matching_messages_and_leaves_the_rest_in_order()
    {
        await using var broker = await TestBroker.CreateAsync();
        await using var connection = await broker.ConnectWithTopologyAsync();
        var seeded = Enumerable.Range(0, 12)
            .Select(i => (Domain: i % 2 == 0 ? "a.example" : "b.example", Reason: i % 3 == 0 ? FailureReasons.Expired : FailureReasons.RetryBudgetSpent))
            .ToList();
        var ids = await HeldMail.SeedAsync(connection, QueueNames.Parked, seeded);
        var matching = ids.Where((_, i) => seeded[i] == ("a.example", FailureReasons.RetryBudgetSpent)).ToList();

        var run = await SluiceCli.RunAsync(broker.Configuration, "redrive", "--from", "parked", "--domain", "a.example", "--reason", FailureReasons.RetryBudgetSpent);

        Assert.Equal(0, run.ExitCode);
        Assert.Contains($"Moved {matching.Count} of 12 message(s) from mail.parked to mail.intake", run.Output, StringComparison.Ordinal);
        var intake = await QueueReader.TakeAsync(connection, QueueNames.Intake, matching.Count, HangGuard);
        Assert.Equal(matching, intake.Select(d => d.BasicProperties.MessageId));
        Assert.All(intake, d =>
        {
            Assert.Equal(1, MailHeaders.GetLong(d.BasicProperties.Headers, MailHeaders.Redrives));
            Assert.Null(MailHeaders.GetString(d.BasicProperties.Headers, MailHeaders.Reason));
            Assert.Equal($"[\"bob@a.example\"]", MailHeaders.GetString(d.BasicProperties.Headers, MailHeaders.Recipients));
        });
        var rest = await QueueReader.TakeAsync(connection, QueueNames.Parked, 12 - matching.Count, HangGuard);
        Assert.Equal(ids.Except(matching), rest.Select(d => d.BasicProperties.MessageId));
        Assert.Equal(0u, await QueueReader.CountAsync(connection, QueueNames.Parked));
    }

    [Fact]
    public async Task A_dry_run_and_inspect_change_nothing()
    {
        await using var broker = await TestBroker.CreateAsync();
        await using var connection = await broker.ConnectWithTopologyAsync();
        var ids = await HeldMail.SeedAsync(connection, QueueNames.Failed,
            Enumerable.Range(0, 5).Select(i => ($"d{i}.example", FailureReasons.Rejected)));

        var dry = await SluiceCli.RunAsync(broker.Configuration, "redrive", "--from", "failed", "--limit", "3", "--dry-run");
        var inspect = await SluiceCli.RunAsync(broker.Configuration, "inspect", "--from", "failed", "--limit", "2");

        Assert.Equal(0, dry.ExitCode);
        Assert.Contains("Dry run: 3 of 5 message(s) in mail.failed would move", dry.Output, StringComparison.Ordinal);
        Assert.Equal(0, inspect.ExitCode);
        string[] lines = inspect.Output.Trim().Split('\n');
        Assert.Equal(3, lines.Length);
        Assert.StartsWith("ID", lines[0], StringComparison.Ordinal);
        Assert.Contains(ids[0], lines[1], StringComparison.Ordinal);
        Assert.Contains("d0.example", lines[1], StringComparison.Ordinal);
        Assert.Contains(FailureReasons.Rejected, lines[1], StringComparison.Ordinal);
        Assert.Contains("451 4.7.500 Server busy", lines[1], StringComparison.Ordinal);
        Assert.Equal(0u, await QueueReader.CountAsync(connection, QueueNames.Intake));
        var still = await QueueReader.TakeAsync(connection, QueueNames.Failed, 5, HangGuard);
        Assert.Equal(ids, still.Select(d => d.BasicProperties.MessageId));
    }

    [Fact]
    public async Task Inspect_takes_the_filters_of_redrive_including_an_age_for_since()
    {
        await using var broker = await TestBroker.CreateAsync();
        await using var connection = await broker.ConnectWithTopologyAsync();
        var ids = await HeldMail.SeedAsync(connection, QueueNames.Failed,
        [
            ("a.example", FailureReasons.Rejected), ("b.example", FailureReasons.Rejected), ("a.example", FailureReasons.InvalidAddress),
        ]);

        async Task<string[]> IdsAsync(params string[] filter)
        {
            var run = await SluiceCli.RunAsync(broker.Configuration, ["inspect", "--from", "failed", "--json", .. filter]);
            Assert.True(run.ExitCode == 0, run.Error);
            return [.. run.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => System.Text.Json.JsonDocument.Parse(l).RootElement.GetProperty("id").GetString()!)];
        }

        Assert.Equal([ids[0], ids[2]], await IdsAsync("--domain", "a.example"));
        Assert.Equal([ids[0], ids[1]], await IdsAsync("--reason", FailureReasons.Rejected));
        Assert.Equal([ids[0]], await IdsAsync("--domain", "a.example", "--reason", FailureReasons.Rejected));
        Assert.Equal(ids, await IdsAsync("--since", "1h"));
        Assert.Empty(await IdsAsync("--since", "2999-01-01T00:00:00Z"));
        var bad = await SluiceCli.RunAsync(broker.Configuration, "inspect", "--from", "failed", "--since", "yesterday");
        Assert.Equal(2, bad.ExitCode);
        Assert.Contains("write an age (30m, 2h, 1d) or a time", bad.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Redrive_can_give_moved_mail_a_new_not_after_and_another_egress_and_refuses_an_unknown_one()
    {
        await using var broker = await TestBroker.CreateAsync();
        await using var connection = await broker.ConnectWithTopologyAsync();
        var ids = await HeldMail.SeedAsync(connection, QueueNames.Parked, [("a.example", FailureReasons.Expired), ("b.example", FailureReasons.RetryBudgetSpent)]);
        var configuration = broker.Configuration.Append(new("Topology:Egresses:0", "default")).Append(new("Topology:Egresses:1", "backup")).ToList();

        var unknown = await SluiceCli.RunAsync(configuration, "redrive", "--from", "parked", "--egress", "nosuch");
        var run = await SluiceCli.RunAsync(configuration, "redrive", "--from", "parked", "--reason", FailureReasons.Expired, "--not-after", "2h", "--egress", "backup");

        Assert.Equal(2, unknown.ExitCode);
        Assert.Contains("'nosuch' is no such egress", unknown.Error, StringComparison.Ordinal);
        Assert.True(run.ExitCode == 0, run.Error);
        var moved = Assert.Single(await QueueReader.TakeAsync(connection, QueueNames.Intake, 1, HangGuard));
        var mail = Sluice.Contracts.OutboundMailJson.Deserialize(moved.Body.Span);
        Assert.Equal((ids[0], "backup"), (mail.Id, mail.Egress));
        Assert.InRange(mail.NotAfter!.Value, DateTimeOffset.UtcNow + TimeSpan.FromHours(1.9), DateTimeOffset.UtcNow + TimeSpan.FromHours(2.1));
        Assert.Equal(1u, await QueueReader.CountAsync(connection, QueueNames.Parked));
    }

    [Fact]
    public async Task A_redrive_cut_off_midway_loses_nothing()
    {
        await using var broker = await TestBroker.CreateAsync();
        await using var connection = await broker.ConnectWithTopologyAsync();
        var ids = await HeldMail.SeedAsync(connection, QueueNames.Parked,
            Enumerable.Range(0, 300).Select(i => ($"d{i % 7}.example", FailureReasons.RetryBudgetSpent)));

        var proxy = new TcpProxy(TestBroker.Host, TestBroker.Port);
        var redriveConnection = await broker.Factory(proxy.Port).CreateConnectionAsync();
        var redriver = new Redriver(redriveConnection, TimeSpan.FromSeconds(2));
        var cut = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var redrive = redriver.RedriveAsync(
            new RedriveRequest(HoldingArea.Parked, new HeldMessageFilter()),
            progress => { if (progress.Moved >= 100) { cut.TrySetResult(); } },
            CancellationToken.None);

        await cut.Task.WaitAsync(HangGuard);
        await proxy.DisposeAsync(); // the redrive process's connection dies mid-walk
        await Assert.ThrowsAnyAsync<Exception>(() => redrive);
        redriveConnection.Dispose();

        // Every message is in intake or back in parked; one may be in both (published, not yet acked).
        var inIntake = await QueueReader.TakeAsync(connection, QueueNames.Intake, (int)await QueueReader.CountAsync(connection, QueueNames.Intake), HangGuard);
        var inParked = await QueueReader.TakeAsync(connection, QueueNames.Parked, (int)await QueueReader.CountAsync(connection, QueueNames.Parked), HangGuard);
        var found = inIntake.Concat(inParked).Select(d => d.BasicProperties.MessageId).ToList();
        Assert.Equal(ids.Order(), found.Distinct().Order());
        Assert.InRange(inIntake.Count, 100, 299);
        Assert.InRange(found.Count - ids.Count, 0, 1);
    }
}
