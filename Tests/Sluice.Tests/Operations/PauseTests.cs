using Microsoft.Extensions.DependencyInjection;
using Sluice.Contracts.Publishing;
using Sluice.Simulator;
using Sluice.Tests.Infrastructure;
using Sluice.Worker.Cli;
using Sluice.Worker.Control;

namespace Sluice.Tests.Operations;

/// <summary><c>sluice pause</c> / <c>sluice resume</c> on running workers, across a restart.</summary>
public sealed class PauseTests
{
    private static readonly TimeSpan HangGuard = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Pause_holds_a_domain_on_a_running_worker_across_a_restart_and_resume_releases_it()
    {
        await using var broker = await TestBroker.CreateAsync();
        await using var simulator = ReceivingSimulator.Start(new SimulatorOptions { Port = 0 });
        var configuration = PipelineConfiguration.For(broker, simulator, ("Scheduler:PausedRecheck", "00:00:01"));
        var held = new ControlTarget(ControlTargetKind.Domain, "held.example");
        await using var connection = await broker.ConnectAsync();
        await using var publisher = await OutboundMailPublisher.CreateAsync(connection);

        await using (var first = await InProcessWorker.StartAsync(configuration))
        {
            var applied = first.WhenPausesAsync(s => s.IsPaused(held), HangGuard);
            var pause = await SluiceCli.RunAsync(broker.Configuration, "pause", "domain:held.example");
            Assert.Equal(0, pause.ExitCode);
            await applied;

            await MailLoad.PublishAsync(publisher, ["held.example", "free.example"], perDomain: 3);
            await simulator.WaitUntilAsync(s => s.DeliveredCount >= 3, HangGuard);
            Assert.DoesNotContain(simulator.Records, r => r.Recipient.EndsWith("@held.example", StringComparison.Ordinal));
        }

        await using var second = await InProcessWorker.StartAsync(configuration);
        await second.WhenPausesAsync(s => s.IsPaused(held), HangGuard);
        await MailLoad.PublishAsync(publisher, ["free.example"], perDomain: 3);
        await simulator.WaitUntilAsync(s => s.DeliveredCount >= 6, HangGuard);
        Assert.DoesNotContain(simulator.Records, r => r.Recipient.EndsWith("@held.example", StringComparison.Ordinal));

        var resume = await SluiceCli.RunAsync(broker.Configuration, "resume", "held.example");
        Assert.Equal(0, resume.ExitCode);
        Assert.Contains("Resumed domain:held.example", resume.Output, StringComparison.Ordinal);
        await simulator.WaitUntilAsync(s => s.DeliveredCount >= 9, HangGuard);
        var heldDeliveries = RecordAnalysis.Deliveries(simulator.Records).Where(d => d.Key.Recipient.EndsWith("@held.example", StringComparison.Ordinal)).ToList();
        Assert.Equal(3, heldDeliveries.Count);
        Assert.All(heldDeliveries, d => Assert.Equal(1, d.Value));
    }

    [Fact]
    public async Task Retry_now_ends_a_partitions_throttle_cool_down_so_its_waiting_mail_goes_at_once()
    {
        await using var broker = await TestBroker.CreateAsync();
        await using var simulator = ReceivingSimulator.Start(new SimulatorOptions
        {
            Port = 0,
            // One recipient is always answered "server busy"; every other is accepted.
            Rules = [new DomainRule { Pattern = "slow.example", UnknownUsers = ["busy"], UnknownUserReply = "451 4.7.500 Server busy. Please try again later." }],
        });

        // A throttle cools the partition down for an hour.
        var configuration = PipelineConfiguration.For(broker, simulator,
            ("Retry:ThrottleCoolDown", "01:00:00"), ("Retry:ThrottleCoolDownWindows", "0"), ("Scheduler:StatusInterval", "00:00:00.200"));
        var cli = configuration.Where(c => c.Key.StartsWith("Broker:", StringComparison.Ordinal) || c.Key.StartsWith("Topology:", StringComparison.Ordinal)).ToList();
        await using var worker = await InProcessWorker.StartAsync(configuration);
        await using var connection = await broker.ConnectAsync();
        await using var publisher = await OutboundMailPublisher.CreateAsync(connection);
        await publisher.PublishAsync(SampleMail.To("busy@slow.example"));
        while (await Sluice.Worker.Status.StatusReader.LatestSnapshotAsync(connection, Sluice.Worker.Topology.QueueNames.DefaultEgress, HangGuard, CancellationToken.None) is not { } seen
               || seen.Domains.FirstOrDefault(d => d.Domain == "slow.example")?.CoolingUntil is null)
        {
        }

        // Mail that comes now waits in the partition's lane for the hour, unless an operator says otherwise.
        await publisher.PublishAsync(SampleMail.To("c@slow.example"));
        Assert.Equal(ExitCodes.InvalidInput, (await SluiceCli.RunAsync(cli, "retry-now", "tenant:acme")).ExitCode);
        var retry = await SluiceCli.RunAsync(cli, "retry-now", "domain:slow.example");
        Assert.True(retry.ExitCode == 0, retry.Error);

        await simulator.WaitUntilAsync(s => s.Records.Any(r => r.Recipient == "c@slow.example" && r.Stage == ReplyRecord.DataStage), HangGuard);
        Assert.Contains(simulator.Records, r => r.Code == 451);
    }

    [Fact]
    public async Task Pause_rejects_an_unknown_kind_of_target()
    {
        await using var broker = await TestBroker.CreateAsync();
        await using var connection = await broker.ConnectWithTopologyAsync();
        var run = await SluiceCli.RunAsync(broker.Configuration, "pause", "planet:mars");
        Assert.Equal(2, run.ExitCode);
        Assert.Contains("egress, provider, domain or tenant", run.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("", "names nothing")]
    [InlineData("domain:", "names nothing")]
    [InlineData("egress:nosuch", "there is no egress 'nosuch'")]
    [InlineData("provider:nosuch", "there is no provider 'nosuch'")]
    [InlineData("domain:not_a_host!", "is not a domain name")]
    public async Task Pause_refuses_a_target_that_names_nothing_this_deployment_has(string target, string why)
    {
        await using var broker = await TestBroker.CreateAsync();
        await using var connection = await broker.ConnectWithTopologyAsync();
        var run = await SluiceCli.RunAsync(broker.Configuration, "pause", target);
        Assert.Equal(2, run.ExitCode);
        Assert.Contains(why, run.Error, StringComparison.Ordinal);
        Assert.Equal(0, (await SluiceCli.RunAsync(broker.Configuration, "pause", "provider:microsoft", "--reason", "tenant threshold")).ExitCode);
    }

    [Fact]
    public async Task A_tenants_pause_holds_only_its_mail_and_a_pause_with_an_end_lapses_by_itself()
    {
        await using var broker = await TestBroker.CreateAsync();
        await using var simulator = ReceivingSimulator.Start(new SimulatorOptions { Port = 0 });
        await using var worker = await InProcessWorker.StartAsync(PipelineConfiguration.For(broker, simulator, ("Scheduler:PausedRecheck", "00:00:00.500")));
        await using var connection = await broker.ConnectAsync();
        await using var publisher = await OutboundMailPublisher.CreateAsync(connection);

        var globex = new ControlTarget(ControlTargetKind.Tenant, "globex");
        var applied = worker.WhenPausesAsync(s => s.IsPaused(globex), HangGuard);
        Assert.Equal(0, (await SluiceCli.RunAsync(broker.Configuration, "pause", "tenant:globex", "--reason", "complaints", "--until", "8s")).ExitCode);
        await applied;

        // globex's mail waits while acme's goes; then the pause ends by itself (no resume) and globex's goes too.
        await publisher.PublishAsync(SampleMail.To("a@shared.example") with { Tenant = "globex" });
        await publisher.PublishAsync(SampleMail.To("b@shared.example"));
        await simulator.WaitUntilAsync(s => s.DeliveredCount >= 1, HangGuard);
        Assert.Equal("b@shared.example", Assert.Single(simulator.Records, r => r.Stage == ReplyRecord.DataStage).Recipient);
        Assert.Equal("complaints", worker.Services.GetRequiredService<PauseState>().Paused.Single().Reason);
        await simulator.WaitUntilAsync(s => s.DeliveredCount >= 2, HangGuard);
        Assert.False(worker.Services.GetRequiredService<PauseState>().IsPaused(globex));
    }
}
