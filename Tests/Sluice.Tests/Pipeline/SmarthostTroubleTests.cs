using System.Net;
using System.Net.Sockets;
using Sluice.Contracts.Publishing;
using Sluice.Simulator;
using Sluice.Tests.Infrastructure;
using Sluice.Worker.Topology;

namespace Sluice.Tests.Pipeline;

/// <summary>What the receiving side does wrong — throttling, or not being there — costs time, never mail.</summary>
public sealed class SmarthostTroubleTests
{
    private static readonly TimeSpan HangGuard = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task Throttled_mail_is_never_bounced_it_waits_out_the_cool_down_and_is_delivered()
    {
        await using var broker = await TestBroker.CreateAsync();

        // The receiver accepts 5 a second; the worker believes 1,000: it has to learn from the replies.
        await using var simulator = ReceivingSimulator.Start(new SimulatorOptions
        {
            Port = 0,
            Rules = [new DomainRule { Pattern = "busy.example", Limit = 5, Window = TimeSpan.FromSeconds(1) }],
        });
        await using var worker = await InProcessWorker.StartAsync(PipelineConfiguration.For(broker, simulator));
        await using var connection = await broker.ConnectAsync();
        await using var publisher = await OutboundMailPublisher.CreateAsync(connection);

        var mails = await MailLoad.PublishAsync(publisher, ["busy.example"], perDomain: 20);
        await simulator.WaitUntilAsync(s => s.DeliveredCount >= mails.Count, HangGuard);

        Assert.Contains(simulator.Records, r => r.Code == 451);
        Assert.All(RecordAnalysis.Deliveries(simulator.Records), d => Assert.Equal(1, d.Value));
        Assert.Equal(mails.Count, RecordAnalysis.Deliveries(simulator.Records).Count);
        Assert.Equal(0u, await QueueReader.CountAsync(connection, QueueNames.Failed));
        Assert.Equal(0u, await QueueReader.CountAsync(connection, QueueNames.Parked));
    }

    [Fact]
    public async Task A_connection_the_smarthost_closed_while_idle_is_replaced_without_a_back_off()
    {
        await using var broker = await TestBroker.CreateAsync();
        await using var simulator = ReceivingSimulator.Start(new SimulatorOptions { Port = 0, IdleTimeout = TimeSpan.FromMilliseconds(300) });
        var logs = new LogCapture();
        await using var worker = await InProcessWorker.StartAsync(PipelineConfiguration.For(broker, simulator, ("Smtp:Connections", "1")), logs);
        await using var connection = await broker.ConnectAsync();
        await using var publisher = await OutboundMailPublisher.CreateAsync(connection);

        await publisher.PublishAsync(SampleMail.To("first@idle.example"));
        await simulator.WaitUntilAsync(s => s.DeliveredCount == 1, HangGuard);

        // The receiver hangs up on the idle session; the worker's one connection does not know yet.
        await simulator.WaitUntilAsync(s => s.EndedSessionCount == 1, HangGuard);
        await publisher.PublishAsync(SampleMail.To("second@idle.example"));
        await simulator.WaitUntilAsync(s => s.DeliveredCount == 2, HangGuard);

        // Sent on a new session at once: no smarthost fault, no back-off of the egress.
        Assert.Equal(2, simulator.SessionCount);
        Assert.DoesNotContain(logs.Lines, l => l.Contains("smarthost fault", StringComparison.Ordinal));
    }

    [Fact]
    public async Task While_the_smarthost_is_unreachable_mail_waits_and_is_delivered_once_it_answers()
    {
        await using var broker = await TestBroker.CreateAsync();

        // A port that takes the connection and hangs up at once, like a smarthost that is restarting.
        using var refusing = new TcpListener(IPAddress.Loopback, 0);
        refusing.Start();
        int port = ((IPEndPoint)refusing.LocalEndpoint).Port;
        var configuration = PipelineConfiguration.For(broker, new FixedPort(port));
        await using var worker = await InProcessWorker.StartAsync(configuration);
        await using var connection = await broker.ConnectAsync();
        await using var publisher = await OutboundMailPublisher.CreateAsync(connection);
        var mails = await MailLoad.PublishAsync(publisher, ["later.example"], perDomain: 5);

        using (var attempt = await refusing.AcceptTcpClientAsync().WaitAsync(HangGuard))
        {
            attempt.Client.Close();
        }

        refusing.Stop();
        await using var simulator = ReceivingSimulator.Start(new SimulatorOptions { Port = port });
        await simulator.WaitUntilAsync(s => s.DeliveredCount >= mails.Count, HangGuard);

        Assert.Equal(mails.Count, RecordAnalysis.Deliveries(simulator.Records).Count);
        Assert.All(RecordAnalysis.Deliveries(simulator.Records), d => Assert.Equal(1, d.Value));
        Assert.Equal(0u, await QueueReader.CountAsync(connection, QueueNames.Failed));
    }
}
