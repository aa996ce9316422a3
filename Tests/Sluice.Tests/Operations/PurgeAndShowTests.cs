using Sluice.Tests.Infrastructure;
using Sluice.Worker.Cli;
using Sluice.Worker.Delivery;
using Sluice.Worker.Topology;

namespace Sluice.Tests.Operations;

/// <summary><c>sluice purge</c> and <c>sluice show</c> against the real broker.</summary>
public sealed class PurgeAndShowTests
{
    private static readonly TimeSpan HangGuard = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Purge_deletes_exactly_the_matching_messages_and_leaves_the_rest_in_order()
    {
        await using var broker = await TestBroker.CreateAsync();
        await using var connection = await broker.ConnectWithTopologyAsync();
        var seeded = Enumerable.Range(0, 8).Select(i => (Domain: i % 2 == 0 ? "a.example" : "b.example", Reason: FailureReasons.Rejected)).ToList();
        var ids = await HeldMail.SeedAsync(connection, QueueNames.Failed, seeded);

        var unfiltered = await SluiceCli.RunAsync(broker.Configuration, "purge", "--from", "failed");
        var dry = await SluiceCli.RunAsync(broker.Configuration, "purge", "--from", "failed", "--domain", "a.example", "--dry-run");
        var byId = await SluiceCli.RunAsync(broker.Configuration, "purge", "--from", "failed", "--id", ids[1]);
        var byDomain = await SluiceCli.RunAsync(broker.Configuration, "purge", "--from", "failed", "--domain", "a.example", "--limit", "3");

        Assert.Equal(ExitCodes.InvalidInput, unfiltered.ExitCode);
        Assert.Contains("give a filter", unfiltered.Error, StringComparison.Ordinal);
        Assert.Contains("Dry run: 4 of 8 message(s) in mail.failed would be deleted", dry.Output, StringComparison.Ordinal);
        Assert.Contains("Deleted 1 of 8", byId.Output, StringComparison.Ordinal);
        Assert.Contains("Deleted 3 of 7", byDomain.Output, StringComparison.Ordinal);

        // Left: the fourth a.example message and the three other b.example ones, in their order.
        var rest = await QueueReader.TakeAsync(connection, QueueNames.Failed, 4, HangGuard);
        Assert.Equal([ids[3], ids[5], ids[6], ids[7]], rest.Select(d => d.BasicProperties.MessageId));
        Assert.Equal(0u, await QueueReader.CountAsync(connection, QueueNames.Failed));
    }

    [Fact]
    public async Task Purge_before_an_age_is_retention_it_keeps_what_was_held_since()
    {
        await using var broker = await TestBroker.CreateAsync();
        await using var connection = await broker.ConnectWithTopologyAsync();
        await HeldMail.SeedAsync(connection, QueueNames.Failed, Enumerable.Range(0, 3).Select(i => ($"r{i}.example", FailureReasons.Rejected)));

        var young = await SluiceCli.RunAsync(broker.Configuration, "purge", "--from", "failed", "--before", "1h");
        var later = await SluiceCli.RunAsync(broker.Configuration, "purge", "--from", "failed", "--before", DateTimeOffset.UtcNow.AddHours(1).ToString("O", System.Globalization.CultureInfo.InvariantCulture));

        Assert.Contains("Deleted 0 of 3", young.Output, StringComparison.Ordinal);
        Assert.Contains("Deleted 3 of 3", later.Output, StringComparison.Ordinal);
        Assert.Equal(0u, await QueueReader.CountAsync(connection, QueueNames.Failed));
    }

    [Fact]
    public async Task Show_prints_one_held_message_in_full_and_says_when_there_is_none()
    {
        await using var broker = await TestBroker.CreateAsync();
        await using var connection = await broker.ConnectWithTopologyAsync();
        var ids = await HeldMail.SeedAsync(connection, QueueNames.Parked, [("a.example", FailureReasons.RetryBudgetSpent), ("b.example", FailureReasons.Expired)]);

        var shown = await SluiceCli.RunAsync(broker.Configuration, "show", ids[1]);
        var json = await SluiceCli.RunAsync(broker.Configuration, "show", ids[1], "--from", "parked", "--json");
        var missing = await SluiceCli.RunAsync(broker.Configuration, "show", "no-such-id");

        Assert.Equal(0, shown.ExitCode);
        Assert.Contains("queue       mail.parked", shown.Output, StringComparison.Ordinal);
        Assert.Contains($"reason      {FailureReasons.Expired}", shown.Output, StringComparison.Ordinal);
        Assert.Contains("bob@b.example", shown.Output, StringComparison.Ordinal);
        Assert.Contains($"{MailHeaders.Reason}: {FailureReasons.Expired}", shown.Output, StringComparison.Ordinal);
        using var parsed = System.Text.Json.JsonDocument.Parse(json.Output);
        Assert.Equal(ids[1], parsed.RootElement.GetProperty("id").GetString());
        Assert.Equal(ExitCodes.NotFound, missing.ExitCode);
        Assert.Contains("no-such-id", missing.Error, StringComparison.Ordinal);
        Assert.Equal(2u, await QueueReader.CountAsync(connection, QueueNames.Parked));
    }
}
