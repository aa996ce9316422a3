using Sluice.Contracts.Publishing;
using Sluice.Simulator;
using Sluice.Tests.Infrastructure;
using Sluice.Worker.Status;
using Sluice.Worker.Topology;

namespace Sluice.Tests.Pipeline;

/// <summary>
/// Two customer domains hosted by one provider (found by their MX over real DNS) share one limit,
/// which the receiver keeps lower than the worker believes: the worker must learn it from the
/// replies without being banned, and lose nothing.
/// </summary>
public sealed class ProviderLimitTests
{
    private static readonly TimeSpan HangGuard = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task Domains_of_one_provider_share_its_limit_and_a_hidden_lower_limit_is_learned_without_a_ban()
    {
        await using var broker = await TestBroker.CreateAsync();
        using var dns = SimulatedDns.Start(new DnsOptions
        {
            Port = 0,
            Mx = [new MxRule { Pattern = "*.hosted.example", Exchange = "hosted-example.mail.protection.outlook.com" }],
        });

        // The provider's edge: 5 per second across all its customers; bans after 20 throttle replies.
        const string edge = "*.hosted.example";
        await using var simulator = ReceivingSimulator.Start(new SimulatorOptions
        {
            Port = 0,
            Rules = [new DomainRule { Pattern = edge, Scope = LimitScope.Rule, Limit = 5, Window = TimeSpan.FromSeconds(1), BanAfterThrottles = 20 }],
        });

        // The worker believes twice the truth, for the provider as a whole (the default rules know the MX suffix).
        await using var worker = await InProcessWorker.StartAsync(PipelineConfiguration.For(broker, simulator,
            ("Providers:Dns:Enabled", "true"),
            ("Providers:Dns:Servers:0", $"127.0.0.1:{dns.Port}"),
            ("Limits:Providers:microsoft:PermitLimit", "10"),
            ("Limits:Providers:microsoft:Window", "00:00:01"),
            ("Limits:Providers:microsoft:Concurrency", "2"),
            ("Scheduler:StatusInterval", "00:00:00.200")));
        await using var connection = await broker.ConnectAsync();
        await using var publisher = await OutboundMailPublisher.CreateAsync(connection);
        var mails = await MailLoad.PublishAsync(publisher, ["contoso.hosted.example", "fabrikam.hosted.example"], perDomain: 20);

        await simulator.WaitUntilAsync(s => s.DeliveredCount >= mails.Count, HangGuard);
        var records = simulator.Records.ToList();
        int throttles = records.Count(r => r.Reply.StartsWith("451 4.7.500", StringComparison.Ordinal));
        Assert.DoesNotContain(records, r => r.Reply.Contains("5.7.705", StringComparison.Ordinal));
        Assert.All(RecordAnalysis.Deliveries(records).Values, count => Assert.Equal(1, count));
        Assert.Equal(mails.Count, RecordAnalysis.Deliveries(records).Count);

        // One partition for both domains: never more than the worker's own provider limit in any second
        // at the edge (two domain partitions would have allowed 20).
        Assert.InRange(RecordAnalysis.MaxAttemptsInAnyWindow(records, edge, TimeSpan.FromSeconds(1)), 1, 10);
        Assert.InRange(throttles, 0, 19);
        Assert.Equal(0u, await QueueReader.CountAsync(connection, QueueNames.Failed));
        Assert.Equal(0u, await QueueReader.CountAsync(connection, QueueNames.Parked));

        // The owner reports the provider as the partition, with the limit it learned below the configured 10.
        var snapshot = await StatusReader.LatestSnapshotAsync(connection, QueueNames.DefaultEgress, HangGuard, CancellationToken.None);
        var provider = Assert.Single(snapshot!.Domains);
        Assert.Equal("provider:microsoft", provider.Domain);
        Assert.Equal(10, provider.Ceiling);
    }
}
