using System.Diagnostics.Metrics;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Sluice.Contracts.Publishing;
using Sluice.Simulator;
using Sluice.Tests.Infrastructure;
using Sluice.Worker.Telemetry;
using Sluice.Worker.Topology;

namespace Sluice.Tests.Pipeline;

/// <summary>The story's transition: a backlog piles up while the smarthost is down, then drains on the warm-up ramp.</summary>
public sealed class OutageRampTests
{
    private static readonly TimeSpan HangGuard = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task After_an_outage_the_backlog_drains_on_the_ramp_from_its_lanes_without_going_round_the_tiers()
    {
        const int limit = 10;
        await using var broker = await TestBroker.CreateAsync();

        // A smarthost that takes the connection and hangs up at once, until the simulator takes its port.
        using var refusing = new TcpListener(IPAddress.Loopback, 0);
        refusing.Start();
        int port = ((IPEndPoint)refusing.LocalEndpoint).Port;
        var configuration = PipelineConfiguration.For(broker, new FixedPort(port),
            ("Limits:Default:PermitLimit", limit.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            ("Limits:Default:Concurrency", "1"),
            ("Limits:WarmUp:Enabled", "true"), ("Limits:WarmUp:AfterOutage", "00:00:00"), ("Limits:WarmUp:Duration", "00:00:02"));
        MetricCollector<long>? delays = null, moves = null;
        await using var worker = await InProcessWorker.StartAsync(configuration, beforeStart: services =>
        {
            var meters = services.GetRequiredService<IMeterFactory>();
            delays = new MetricCollector<long>(meters, SchedulerTelemetry.MeterName, "sluice.delay.publishes");
            moves = new MetricCollector<long>(meters, SchedulerTelemetry.MeterName, "sluice.lane.moves");
        });
        using var delayCount = delays!;
        using var moveCount = moves!;
        await using var connection = await broker.ConnectAsync();
        await using var publisher = await OutboundMailPublisher.CreateAsync(connection);
        string[] domains = ["ramp-a.example", "ramp-b.example"];
        var mails = await MailLoad.PublishAsync(publisher, domains, perDomain: 40);

        using (var attempt = await refusing.AcceptTcpClientAsync().WaitAsync(HangGuard))
        {
            attempt.Client.Close();
        }

        refusing.Stop();
        await using var simulator = ReceivingSimulator.Start(new SimulatorOptions { Port = port });
        await simulator.WaitUntilAsync(s => s.DeliveredCount >= mails.Count, HangGuard);

        // Every wait (the outage, the ramp, the limit, the busy partition) was spent in a lane: nothing went round the
        // tiers, and each message moved at most once.
        Assert.Equal(0, delayCount.GetMeasurementSnapshot().Sum(m => m.Value));
        Assert.InRange(moveCount.GetMeasurementSnapshot().Sum(m => m.Value), 1, mails.Count);
        Assert.All(RecordAnalysis.Deliveries(simulator.Records), d => Assert.Equal(1, d.Value));
        foreach (string domain in domains)
        {
            Assert.InRange(RecordAnalysis.MaxAttemptsInAnyWindow(simulator.Records.ToList(), domain, TimeSpan.FromSeconds(1)), 1, limit);
        }
    }
}
