using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Sluice.Contracts.Publishing;
using Sluice.Simulator;
using Sluice.Tests.Infrastructure;
using Sluice.Worker.Delivery;
using Sluice.Worker.Status;
using Sluice.Worker.Topology;

namespace Sluice.Tests.Operations;

/// <summary><c>sluice status</c> against a seeded scenario: its figures are what the broker holds.</summary>
public sealed class StatusTests
{
    private static readonly TimeSpan HangGuard = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Status_shows_what_the_broker_holds_and_each_domains_rate_pause_and_eta()
    {
        await using var broker = await TestBroker.CreateAsync();
        await using var simulator = ReceivingSimulator.Start(new SimulatorOptions { Port = 0 });

        // One message an hour to slow.example and an hour's pause recheck: the first goes at once (a new owner starts
        // from the journal, which is empty, not from a blind hold); the rest wait in slow.example's lane, and the
        // paused domain's mail in the 1 h tier, all counted.
        var configuration = PipelineConfiguration.For(broker, simulator,
            ("Limits:Domains:slow.example:PermitLimit", "1"), ("Limits:Domains:slow.example:Window", "01:00:00"),
            ("Scheduler:PausedRecheck", "01:00:00"), ("Scheduler:StatusInterval", "00:00:00.200"));
        var cli = configuration.Where(c => c.Key.StartsWith("Broker:", StringComparison.Ordinal) || c.Key.StartsWith("Topology:", StringComparison.Ordinal)).ToList();
        using var logs = new LogCapture();
        await using var worker = await InProcessWorker.StartAsync(configuration, logs);
        await using var connection = await broker.ConnectAsync();
        await HeldMail.SeedAsync(connection, QueueNames.Parked, Enumerable.Range(0, 3).Select(i => ($"p{i}.example", FailureReasons.RetryBudgetSpent)));
        await HeldMail.SeedAsync(connection, QueueNames.Failed, Enumerable.Range(0, 2).Select(i => ($"f{i}.example", FailureReasons.Rejected)));
        Assert.Equal(0, (await SluiceCli.RunAsync(cli, "pause", "domain:paused.example")).ExitCode);
        await using var publisher = await OutboundMailPublisher.CreateAsync(connection);
        await MailLoad.PublishAsync(publisher, ["slow.example"], perDomain: 5);
        await MailLoad.PublishAsync(publisher, ["paused.example"], perDomain: 2);

        // Every snapshot the owner writes is an event: wait for the one that has seen all of it, the first message's
        // settlement included (the simulator records it before the worker has its reply). Intake acks a message only
        // after its egress copy is confirmed, so the owner can count the last copy as waiting a moment before the
        // broker has taken intake's ack: wait for that too.
        while (await StatusReader.LatestSnapshotAsync(connection, QueueNames.DefaultEgress, HangGuard, CancellationToken.None) is not { } seen
               || seen.Domains.Sum(d => d.Waiting) + simulator.DeliveredCount != 7
               || seen.Domains.Sum(d => d.DeliveredLastMinute) != simulator.DeliveredCount
               || await QueueReader.CountAsync(connection, QueueNames.Intake) > 0)
        {
        }

        var run = await SluiceCli.RunAsync(cli, "status", "--json");
        Assert.True(run.ExitCode == 0, run.Error);
        using var report = JsonDocument.Parse(run.Output);
        var root = report.RootElement;
        Assert.True(root.GetProperty("intake").GetInt64() == 0, "intake not empty; the worker's log: " + string.Join("\n", logs.Lines));
        Assert.Equal(3, root.GetProperty("parked").GetInt64());
        Assert.Equal(2, root.GetProperty("failed").GetInt64());
        var egress = root.GetProperty("egresses")[0];
        long delayedAtBroker = 0;
        foreach (var tier in worker.Services.GetRequiredService<IOptions<TopologyOptions>>().Value.EffectiveDelayTiers)
        {
            delayedAtBroker += await QueueReader.CountAsync(connection, QueueNames.Delay(QueueNames.DefaultEgress, tier));
        }

        Assert.Equal(2, delayedAtBroker);
        Assert.Equal(1, simulator.DeliveredCount);
        Assert.Equal(delayedAtBroker, egress.GetProperty("delayed").GetInt64());
        Assert.Equal(0, egress.GetProperty("fresh").GetInt64());
        var domains = egress.GetProperty("owner").GetProperty("domains").EnumerateArray().ToDictionary(d => d.GetProperty("domain").GetString()!);
        Assert.Equal(4, domains["slow.example"].GetProperty("waiting").GetInt64());
        Assert.Equal(1, domains["slow.example"].GetProperty("permitLimit").GetInt32());
        Assert.Equal(1.0 / 3600, domains["slow.example"].GetProperty("allowedPerSecond").GetDouble(), 9);
        Assert.Equal(TimeSpan.FromHours(4), TimeSpan.Parse(domains["slow.example"].GetProperty("drainEta").GetString()!, System.Globalization.CultureInfo.InvariantCulture));
        Assert.True(domains["paused.example"].GetProperty("paused").GetBoolean());
        Assert.Equal("domain:paused.example", root.GetProperty("paused")[0].GetProperty("target").GetString());
        Assert.Equal(1, domains["slow.example"].GetProperty("deliveredLastMinute").GetInt64());
        Assert.StartsWith("250 ", domains["slow.example"].GetProperty("lastReply").GetString(), StringComparison.Ordinal);
        Assert.Equal(JsonValueKind.String, domains["slow.example"].GetProperty("oldestWaiting").ValueKind);

        var table = await SluiceCli.RunAsync(cli, "status");
        Assert.True(table.ExitCode == 0, table.Error);
        Assert.Contains("parked 3 · failed 2", table.Output, StringComparison.Ordinal);
        Assert.Contains("takeover: journal: 0 transactions read", table.Output, StringComparison.Ordinal);
        Assert.Matches(@"slow\.example\s+4\s+\d+s\s+1/3600s\s+1\s+no\s+-\s+4h00m\s+250 ", table.Output);
    }

    [Fact]
    public async Task Reading_status_changes_nothing_on_the_broker_and_watch_repeats_it()
    {
        await using var broker = await TestBroker.CreateAsync();
        await using var simulator = ReceivingSimulator.Start(new SimulatorOptions { Port = 0 });

        // One snapshot only (the next is ten minutes away): a reader that took it would leave the next one "no owner".
        var configuration = PipelineConfiguration.For(broker, simulator, ("Scheduler:StatusInterval", "00:10:00"));
        var cli = configuration.Where(c => c.Key.StartsWith("Broker:", StringComparison.Ordinal) || c.Key.StartsWith("Topology:", StringComparison.Ordinal)).ToList();
        await using var worker = await InProcessWorker.StartAsync(configuration);
        await using var connection = await broker.ConnectAsync();
        Assert.NotNull(await StatusReader.LatestSnapshotAsync(connection, QueueNames.DefaultEgress, HangGuard, CancellationToken.None, take: false));

        // Three reports from one watching process, then it is interrupted (as by Ctrl-C): each saw the owner.
        var watched = await SluiceCli.RunUntilAsync(cli, output => output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length >= 3, "status", "--json", "--watch", "1");
        Assert.True(watched.ExitCode == 0, watched.Error);
        var reports = watched.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(3, reports.Length);
        foreach (string line in reports)
        {
            using var report = JsonDocument.Parse(line);
            Assert.Equal(JsonValueKind.Object, report.RootElement.GetProperty("egresses")[0].GetProperty("owner").ValueKind);
        }

        var once = await SluiceCli.RunAsync(cli, "status", "--json");
        Assert.True(once.ExitCode == 0, once.Error);

        // Four reads wrote nothing to the control stream: the first entry is the pause written after them.
        Assert.Equal(0, (await SluiceCli.RunAsync(cli, "pause", "domain:after.example")).ExitCode);
        Assert.Equal(["domain:after.example"], await ControlEntries.TargetsUntilAsync(connection, "domain:after.example", HangGuard));
    }

    [Fact]
    public async Task A_snapshot_its_owner_stopped_writing_shows_as_no_owner_with_its_age()
    {
        await using var broker = await TestBroker.CreateAsync();
        await using var simulator = ReceivingSimulator.Start(new SimulatorOptions { Port = 0 });
        var configuration = PipelineConfiguration.For(broker, simulator, ("Scheduler:StatusInterval", "00:00:00.200"));
        var cli = configuration.Where(c => c.Key.StartsWith("Broker:", StringComparison.Ordinal) || c.Key.StartsWith("Topology:", StringComparison.Ordinal)
            || c.Key.StartsWith("Scheduler:", StringComparison.Ordinal)).ToList();
        await using var connection = await broker.ConnectAsync();
        await using (var worker = await InProcessWorker.StartAsync(configuration))
        {
            Assert.NotNull(await StatusReader.LatestSnapshotAsync(connection, QueueNames.DefaultEgress, HangGuard, CancellationToken.None, take: false));
        }

        // Its last snapshot stays in the queue (status reads without taking); past three intervals (at least 1 s) it is stale.
        await Task.Delay(TimeSpan.FromSeconds(1.5));
        var json = await SluiceCli.RunAsync(cli, "status", "--json");
        Assert.True(json.ExitCode == 0, json.Error);
        using var report = JsonDocument.Parse(json.Output);
        var egress = report.RootElement.GetProperty("egresses")[0];
        Assert.Equal(JsonValueKind.Null, egress.GetProperty("owner").ValueKind);
        Assert.Equal(JsonValueKind.String, egress.GetProperty("lastSeen").ValueKind);
        var table = await SluiceCli.RunAsync(cli, "status");
        Assert.True(table.ExitCode == 0, table.Error);
        Assert.Contains("no worker owns it (the last owner's last snapshot is", table.Output, StringComparison.Ordinal);
    }
}
