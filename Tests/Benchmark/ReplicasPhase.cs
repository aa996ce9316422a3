using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using RabbitMQ.Client;
using Sluice.Contracts.Publishing;
using Sluice.Simulator;
using Sluice.Worker.Control;
using Sluice.Worker.Telemetry;
using Sluice.Worker.Topology;

namespace Sluice.Benchmark;

/// <summary>
/// What replicas add: the unlimited drain of a backlog spread over four egresses, by one worker and by two (each
/// owning two egresses once ownership has spread). Both workers run in this process, so on a small machine they
/// share its cores: the figure says what spreading costs or gains here, not what two machines would do.
/// </summary>
internal static class ReplicasPhase
{
    private static readonly string[] Egresses = ["r1", "r2", "r3", "r4"];

    public static async Task<double> RunAsync(int replicas, int messages, int connections, TextWriter output)
    {
        await using var simulator = ReceivingSimulator.Start(new SimulatorOptions { Port = 0 });
        await using var broker = await BenchBroker.CreateAsync($"replicas{replicas}");
        var configuration = BenchWorker.Configuration(broker, simulator, connections);
        configuration["Limits:Default:PermitLimit"] = string.Empty; // no rate limit
        configuration["Limits:Default:Concurrency"] = connections.ToString(CultureInfo.InvariantCulture);
        configuration["Scheduler:HandOverAfter"] = "00:00:01";
        for (int i = 0; i < Egresses.Length; i++)
        {
            configuration[$"Topology:Egresses:{i}"] = Egresses[i];
        }

        var factory = new ConnectionFactory { HostName = "localhost", VirtualHost = broker.VirtualHost };
        var workers = new List<IHost>();
        try
        {
            for (int i = 0; i < replicas; i++)
            {
                workers.Add(await BenchWorker.StartAsync(configuration));
            }

            await using var connection = await factory.CreateConnectionAsync();

            // Every egress paused while ownership spreads and the backlog is published and split: only the drain is timed.
            foreach (string egress in Egresses)
            {
                await ControlLog.AppendAsync(connection, new ControlEvent(new ControlTarget(ControlTargetKind.Egress, egress).ToString(), true, DateTimeOffset.UtcNow, "benchmark"), CancellationToken.None);
            }

            var telemetry = workers.Select(w => w.Services.GetRequiredService<SchedulerTelemetry>()).ToList();
            while (telemetry.Any(t => t.Owned.Count != Egresses.Length / replicas))
            {
                await Task.Delay(200);
            }

            await using (var publisher = await OutboundMailPublisher.CreateAsync(connection))
            {
                var batch = new List<Task>();
                for (int i = 0; i < messages; i++)
                {
                    batch.Add(publisher.PublishAsync(Backlog.Mail($"user{i}@d{i % 100}.replicas.example") with { Egress = Egresses[i % Egresses.Length] }));
                    if (batch.Count == 500)
                    {
                        await Task.WhenAll(batch);
                        batch.Clear();
                    }
                }

                await Task.WhenAll(batch);
            }

            while (await broker.QueuedAsync(QueueNames.Intake) > 0)
            {
                await Task.Delay(200);
            }

            var clock = Stopwatch.StartNew();
            foreach (string egress in Egresses)
            {
                await ControlLog.AppendAsync(connection, new ControlEvent(new ControlTarget(ControlTargetKind.Egress, egress).ToString(), false, DateTimeOffset.UtcNow, "benchmark"), CancellationToken.None);
            }

            await simulator.WaitUntilAsync(s => s.DeliveredCount >= messages, TimeSpan.FromMinutes(10));
            var delivered = simulator.Records.Where(r => r.Stage == ReplyRecord.DataStage).Select(r => r.At).ToList();
            double drain = messages / (delivered.Max() - delivered.Min()).TotalSeconds;
            await output.WriteLineAsync($"  {replicas} worker(s), {Egresses.Length} egresses ({Egresses.Length / replicas} each): {drain:0} msg/s (first to last delivery; {clock.Elapsed.TotalSeconds:0.0} s from resume)");
            return drain;
        }
        finally
        {
            foreach (var worker in workers)
            {
                await worker.StopAsync();
                worker.Dispose();
            }
        }
    }
}
