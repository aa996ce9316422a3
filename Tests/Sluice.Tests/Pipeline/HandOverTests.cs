using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Sluice.Contracts.Publishing;
using Sluice.Simulator;
using Sluice.Tests.Infrastructure;
using Sluice.Worker.Control;
using Sluice.Worker.Scheduling;
using Sluice.Worker.Telemetry;
using Sluice.Worker.Topology;

namespace Sluice.Tests.Pipeline;

/// <summary>
/// Intake hands mail for an egress this worker owns straight to the owner's senders, with the intake delivery
/// unacked until it is settled; whatever it does not hand over is copied into the egress queue as before.
/// </summary>
public sealed class HandOverTests
{
    private static readonly TimeSpan HangGuard = TimeSpan.FromMinutes(2);

    [Fact]
    public async Task Mail_for_an_egress_this_worker_owns_is_handed_to_its_senders_and_a_message_for_two_domains_is_copied_each_delivered_once()
    {
        await using var broker = await TestBroker.CreateAsync();
        await using var simulator = ReceivingSimulator.Start(new SimulatorOptions { Port = 0 });
        await using var worker = await StartOwningAsync(broker, simulator);
        await using var connection = await broker.ConnectAsync();
        await using var publisher = await OutboundMailPublisher.CreateAsync(connection);

        var mails = await MailLoad.PublishAsync(publisher, ["one.example", "two.example", "three.example"], perDomain: 10);
        var both = SampleMail.To("a@four.example", "b@five.example");
        await publisher.PublishAsync(both);
        await simulator.WaitUntilAsync(s => s.DeliveredCount >= mails.Count + 2, HangGuard);

        var deliveries = RecordAnalysis.Deliveries(simulator.Records);
        Assert.Equal(mails.Count + 2, deliveries.Count);
        Assert.All(deliveries, d => Assert.Equal(1, d.Value));
        Assert.Equal(mails.Count, worker.HandedOver.GetMeasurementSnapshot().Sum(m => m.Value));
    }

    [Fact]
    public async Task Mail_for_a_paused_egress_is_not_handed_over_it_waits_in_the_egress_queue_and_goes_once_after_resume()
    {
        await using var broker = await TestBroker.CreateAsync();
        await using var simulator = ReceivingSimulator.Start(new SimulatorOptions { Port = 0 });
        await using var worker = await StartOwningAsync(broker, simulator);
        await using var connection = await broker.ConnectAsync();
        await using var publisher = await OutboundMailPublisher.CreateAsync(connection);
        var egress = new ControlTarget(ControlTargetKind.Egress, QueueNames.DefaultEgress);

        var paused = worker.Worker.WhenPausesAsync(s => s.IsPaused(egress), HangGuard);
        Assert.Equal(0, (await SluiceCli.RunAsync(broker.Configuration, "pause", egress.ToString())).ExitCode);
        await paused;
        var mails = await MailLoad.PublishAsync(publisher, ["held.example"], perDomain: 3);
        await using (var channel = await connection.CreateChannelAsync())
        {
            // Routed by intake into the queue, where it waits (nothing consumes a paused egress).
            using var guard = new CancellationTokenSource(HangGuard);
            while ((await channel.QueueDeclarePassiveAsync(QueueNames.Egress(QueueNames.DefaultEgress), guard.Token)).MessageCount < mails.Count)
            {
                await Task.Yield();
            }
        }

        Assert.Equal(0, simulator.DeliveredCount);
        Assert.Equal(0, (await SluiceCli.RunAsync(broker.Configuration, "resume", egress.ToString())).ExitCode);
        await simulator.WaitUntilAsync(s => s.DeliveredCount >= mails.Count, HangGuard);
        Assert.All(RecordAnalysis.Deliveries(simulator.Records), d => Assert.Equal(1, d.Value));
        Assert.Equal(0, worker.HandedOver.GetMeasurementSnapshot().Sum(m => m.Value));
    }

    /// <summary>
    /// A worker that owns the default egress (its door open) before the test publishes. One intake handler: it waits
    /// at the door for a place rather than being turned away, so every single-copy message is handed over.
    /// </summary>
    private static async Task<OwningWorker> StartOwningAsync(TestBroker broker, ReceivingSimulator simulator)
    {
        var opened = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        MetricCollector<long>? handedOver = null;
        var worker = await InProcessWorker.StartAsync(PipelineConfiguration.For(broker, simulator, ("Intake:Concurrency", "1")), beforeStart: services =>
        {
            handedOver = new MetricCollector<long>(services.GetRequiredService<IMeterFactory>(), IntakeTelemetry.MeterName, "sluice.intake.handed_over");
            services.GetRequiredService<LocalOwners>().Opened += egress => opened.TrySetResult();
        });
        await opened.Task.WaitAsync(HangGuard);
        return new OwningWorker(worker, handedOver!);
    }

    private sealed class OwningWorker(InProcessWorker worker, MetricCollector<long> handedOver) : IAsyncDisposable
    {
        public InProcessWorker Worker => worker;

        public MetricCollector<long> HandedOver => handedOver;

        public async ValueTask DisposeAsync()
        {
            handedOver.Dispose();
            await worker.DisposeAsync();
        }
    }
}
