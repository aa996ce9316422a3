using System.Globalization;
using Sluice.Contracts.Publishing;
using Sluice.Simulator;
using Sluice.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Sluice.Tests.Pipeline;

/// <summary>A broker that goes silent for longer than every timeout: the worker lives through it and resumes.</summary>
public sealed class BrokerStallTests(ITestOutputHelper output)
{
    private static readonly TimeSpan HangGuard = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task A_stall_longer_than_the_channel_and_heartbeat_timeouts_leaves_the_worker_running_and_it_delivers_again()
    {
        await using var broker = await TestBroker.CreateAsync();
        await using var simulator = ReceivingSimulator.Start(new SimulatorOptions { Port = 0 });
        await using var proxy = new TcpProxy(TestBroker.Host, TestBroker.Port);
        var logs = new LogCapture();
        await using var worker = await InProcessWorker.StartAsync(PipelineConfiguration.For(broker, simulator,
            ("Broker:Port", proxy.Port.ToString(CultureInfo.InvariantCulture)),
            ("Broker:Heartbeat", "1s"), ("Broker:ConnectTimeout", "1s"), ("Broker:PublishTimeout", "1s"),
            ("Telemetry:QueueSampleInterval", "1s"),
            ("Logging:LogLevel:Sluice", "Information")), logs);
        try
        {
            await RunAsync(broker, simulator, proxy, logs, worker);
        }
        finally
        {
            output.WriteLine(string.Join('\n', logs.Lines));
        }
    }

    private static async Task RunAsync(TestBroker broker, ReceivingSimulator simulator, TcpProxy proxy, LogCapture logs, InProcessWorker worker)
    {
        await logs.WaitForAsync("now owns egress default", HangGuard);
        await using var connection = await broker.ConnectAsync();
        await using var publisher = await OutboundMailPublisher.CreateAsync(connection);
        var before = await MailLoad.PublishAsync(publisher, ["one.example"], perDomain: 5);
        await simulator.WaitUntilAsync(s => s.DeliveredCount >= before.Count, HangGuard);

        proxy.Stall();

        // Heartbeats stop: the owner loses its lease and cannot get it back, and every other broker user fails and starts again.
        await logs.WaitForAsync("Egress default: broker connection failed", HangGuard);
        await logs.WaitForAsync("Queue depth sampler: the broker failed", HangGuard);
        Assert.True(worker.IsHealthy);

        proxy.Resume();
        await logs.WaitForAsync("now owns egress default", 2, HangGuard);
        var after = await MailLoad.PublishAsync(publisher, ["two.example"], perDomain: 5);
        await simulator.WaitUntilAsync(s => RecordAnalysis.Deliveries(s.Records).Count >= before.Count + after.Count, HangGuard);

        // Nothing lost. A send whose ack the stall cut is sent again (at least once): at most one per SMTP connection.
        Assert.True(worker.IsHealthy);
        var deliveries = RecordAnalysis.Deliveries(simulator.Records);
        Assert.Equal(before.Count + after.Count, deliveries.Count);
        Assert.InRange(deliveries.Values.Sum() - deliveries.Count, 0, 4);
    }
}
