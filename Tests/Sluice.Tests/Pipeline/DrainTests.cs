using System.Globalization;
using System.Text;
using RabbitMQ.Client;
using Sluice.Contracts.Publishing;
using Sluice.Simulator;
using Sluice.Tests.Infrastructure;
using Sluice.Worker.Delivery;
using Sluice.Worker.Sending;
using Sluice.Worker.Topology;

namespace Sluice.Tests.Pipeline;

/// <summary>Backlogs through the whole pipeline, judged from the simulator's record.</summary>
public sealed class DrainTests
{
    private static readonly TimeSpan HangGuard = TimeSpan.FromMinutes(3);
    private static readonly TimeSpan Window = TimeSpan.FromSeconds(1);

    [Fact]
    public async Task A_backlog_over_six_domains_is_delivered_exactly_once_and_never_faster_than_each_domains_limit()
    {
        (string Domain, int Limit)[] domains =
            [("a.example", 40), ("b.example", 60), ("c.example", 90), ("d.example", 120), ("e.example", 200), ("f.example", 300)];
        await using var broker = await TestBroker.CreateAsync();
        await using var simulator = ReceivingSimulator.Start(new SimulatorOptions
        {
            Port = 0,
            Rules = [.. domains.Select(d => new DomainRule { Pattern = d.Domain, Limit = d.Limit, Window = Window })],
        });
        var limits = domains.SelectMany(d => new[]
        {
            ($"Limits:Domains:{d.Domain}:PermitLimit", d.Limit.ToString(CultureInfo.InvariantCulture)),
            ($"Limits:Domains:{d.Domain}:Window", "00:00:01"),
        }).ToArray();
        await using var worker = await InProcessWorker.StartAsync(PipelineConfiguration.For(broker, simulator, limits));
        await using var connection = await broker.ConnectAsync();
        await using var publisher = await OutboundMailPublisher.CreateAsync(connection);

        var mails = await MailLoad.PublishAsync(publisher, [.. domains.Select(d => d.Domain)], perDomain: 334);
        await simulator.WaitUntilAsync(s => s.DeliveredCount >= mails.Count, HangGuard);

        var deliveries = RecordAnalysis.Deliveries(simulator.Records);
        var expected = mails.Select(m => ($"<{MessageIdentity.For(m.Id, m.From.Address)}>", m.To[0].Address)).Order().ToList();
        Assert.Equal(expected, deliveries.Keys.Select(k => (k.MessageId!, k.Recipient)).Order().ToList());
        Assert.All(deliveries, d => Assert.Equal(1, d.Value));
        Assert.All(simulator.Records.Where(r => r.Stage == ReplyRecord.RcptStage), r => Assert.Equal(250, r.Code));
        foreach (var (domain, limit) in domains)
        {
            int most = RecordAnalysis.MaxAttemptsInAnyWindow(simulator.Records, domain, Window);
            Assert.True(most <= limit, $"{domain}: {most} recipients in one {Window.TotalSeconds} s window, limit {limit}");
        }
    }

    [Fact]
    public async Task Poison_bodies_go_to_failed_with_a_reason_and_the_worker_keeps_draining()
    {
        await using var broker = await TestBroker.CreateAsync();
        await using var simulator = ReceivingSimulator.Start(new SimulatorOptions { Port = 0 });
        await using var worker = await InProcessWorker.StartAsync(PipelineConfiguration.For(broker, simulator));
        await using var connection = await broker.ConnectAsync();
        await using (var channel = await connection.CreateChannelAsync(new CreateChannelOptions(true, true)))
        {
            string[] poison =
            [
                "this is not JSON {",
                """{"schemaVersion":2,"id":"p-2","tenant":"acme","from":{"address":"a@acme.example"},"to":[{"address":"b@x.example"}],"subject":"s","text":"t","createdAt":"2026-11-28T09:30:00Z"}""",
                """{"schemaVersion":1,"id":"p-3","tenant":"acme","from":{"address":"a@acme.example"},"to":[],"subject":"s","text":"t","createdAt":"2026-11-28T09:30:00Z"}""",
            ];
            foreach (string body in poison)
            {
                await channel.BasicPublishAsync(OutboundWire.Exchange, "x.example", mandatory: true, new BasicProperties(), Encoding.UTF8.GetBytes(body));
            }
        }

        await using var publisher = await OutboundMailPublisher.CreateAsync(connection);
        await publisher.PublishAsync(SampleMail.To("ann@after-poison.example"));
        await simulator.WaitUntilAsync(s => s.DeliveredCount >= 1, TimeSpan.FromSeconds(60));

        var failed = await QueueReader.TakeAsync(connection, QueueNames.Failed, 3, TimeSpan.FromSeconds(30));
        var reasons = failed.Select(f => MailHeaders.GetString(f.BasicProperties.Headers, MailHeaders.Reason)).ToList();
        Assert.All(failed, f => Assert.False(string.IsNullOrEmpty(MailHeaders.GetString(f.BasicProperties.Headers, MailHeaders.Detail))));

        Assert.Equal([FailureReasons.InvalidContract, FailureReasons.InvalidContract, FailureReasons.InvalidJson], reasons.Order().ToList());
    }

    [Fact]
    public async Task A_graceful_stop_mid_drain_loses_nothing_and_a_restart_delivers_the_rest_exactly_once()
    {
        string[] domains = ["slow-a.example", "slow-b.example"];
        await using var broker = await TestBroker.CreateAsync();
        await using var simulator = ReceivingSimulator.Start(new SimulatorOptions { Port = 0 });
        var configuration = PipelineConfiguration.For(broker, simulator, ("Limits:Default:PermitLimit", "30"));
        await using var connection = await broker.ConnectAsync();
        List<Sluice.Contracts.OutboundMail> mails;

        await using (var first = await InProcessWorker.StartAsync(configuration))
        {
            await using var publisher = await OutboundMailPublisher.CreateAsync(connection);
            mails = await MailLoad.PublishAsync(publisher, domains, perDomain: 100);
            await simulator.WaitUntilAsync(s => s.DeliveredCount >= 40, HangGuard);
            await first.StopAsync();
        }

        int deliveredBeforeRestart = simulator.DeliveredCount;
        Assert.InRange(deliveredBeforeRestart, 40, mails.Count - 1);
        Assert.All(RecordAnalysis.Deliveries(simulator.Records), d => Assert.Equal(1, d.Value));

        await using var second = await InProcessWorker.StartAsync(configuration);
        await simulator.WaitUntilAsync(s => s.DeliveredCount >= mails.Count, HangGuard);
        var deliveries = RecordAnalysis.Deliveries(simulator.Records);
        Assert.Equal(mails.Count, deliveries.Count);
        Assert.All(deliveries, d => Assert.Equal(1, d.Value));
    }
}
