using System.Collections.Concurrent;
using System.Diagnostics;
using Sluice.Contracts.Publishing;
using Sluice.Simulator;
using Sluice.Tests.Infrastructure;
using Sluice.Worker.Telemetry;

namespace Sluice.Tests.Telemetry;

/// <summary>One trace from the producer's publish through intake and the send, carried in message headers.</summary>
public sealed class TraceTests
{
    private static readonly TimeSpan HangGuard = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task The_producers_trace_continues_through_intake_and_the_SMTP_send()
    {
        var stopped = new ConcurrentQueue<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name is SluiceActivities.SourceName or "Sluice.Tests.Producer"
                || source.Name.StartsWith("RabbitMQ.Client", StringComparison.Ordinal)
                || source.Name == MailKit.Telemetry.SmtpClient.ActivitySourceName,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = stopped.Enqueue,
        };
        ActivitySource.AddActivityListener(listener);
        using var producerSource = new ActivitySource("Sluice.Tests.Producer");

        await using var broker = await TestBroker.CreateAsync();
        await using var simulator = ReceivingSimulator.Start(new SimulatorOptions { Port = 0 });
        await using var worker = await InProcessWorker.StartAsync(PipelineConfiguration.For(broker, simulator));
        await using var connection = await broker.ConnectAsync();
        await using var publisher = await OutboundMailPublisher.CreateAsync(connection);

        ActivityTraceId traceId;
        using (var producer = producerSource.StartActivity("checkout sends a receipt"))
        {
            Assert.NotNull(producer);
            traceId = producer.TraceId;
            await publisher.PublishAsync(SampleMail.To("someone@traced.example"));
        }

        await simulator.WaitUntilAsync(s => s.DeliveredCount >= 1, HangGuard);
        var names = new HashSet<string>();
        for (var deadline = DateTime.UtcNow + HangGuard; DateTime.UtcNow < deadline && !names.Contains("sluice send"); await Task.Delay(50))
        {
            names = [.. stopped.Where(a => a.TraceId == traceId).Select(a => a.Source.Name == MailKit.Telemetry.SmtpClient.ActivitySourceName ? "mailkit" : a.DisplayName)];
        }

        Assert.Contains("sluice intake", names);
        Assert.Contains("sluice send", names);
        Assert.Contains("mailkit", names);

        // Span names are fixed words: no recipient domain in any of them.
        Assert.DoesNotContain(stopped, a => a.DisplayName.Contains("traced.example", StringComparison.Ordinal));
    }
}
