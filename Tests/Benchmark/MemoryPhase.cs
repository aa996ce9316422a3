using System.Diagnostics;
using System.Globalization;
using RabbitMQ.Client;
using Sluice.Contracts.Publishing;
using Sluice.Simulator;
using Sluice.Worker.Hosting;
using Sluice.Worker.Topology;

namespace Sluice.Benchmark;

/// <summary>
/// Memory: the worker's resident memory (a separate <c>sluice run</c> process) once it has
/// taken in a backlog that cannot drain (1,000 domains limited to one message an hour): the backlog
/// lives in the broker, so the worker's memory should not grow with it.
/// </summary>
internal static class MemoryPhase
{
    public static async Task<(long RssKiB, long PeakKiB)> RunAsync(int messages, TextWriter output)
    {
        await using var simulator = ReceivingSimulator.Start(new SimulatorOptions { Port = 0 });
        await using var broker = await BenchBroker.CreateAsync("memory");
        var configuration = BenchWorker.Configuration(broker, simulator, connections: 8);
        configuration["Limits:Default:PermitLimit"] = "1";
        configuration["Limits:Default:Window"] = "01:00:00";

        var (worker, _) = await BenchWorker.StartReadyProcessAsync(configuration);
        try
        {
            var factory = new ConnectionFactory { HostName = "localhost", VirtualHost = broker.VirtualHost };
            await using var connection = await factory.CreateConnectionAsync();
            await using var publisher = await OutboundMailPublisher.CreateAsync(connection);
            var domains = Enumerable.Range(0, 1000).Select(i => $"d{i}.memory.example").ToList();
            var clock = Stopwatch.StartNew();
            await Backlog.PublishAsync(publisher, domains, messages / domains.Count);

            // Taken in = nothing left in intake, the egress queue or the due queue: all of it waits in the delay tiers.
            string[] watched = [QueueNames.Intake, QueueNames.Egress(QueueNames.DefaultEgress), QueueNames.Due(QueueNames.DefaultEgress)];
            int quiet = 0;
            while (quiet < 2)
            {
                await Task.Delay(TimeSpan.FromSeconds(3));
                long waiting = 0;
                foreach (string queue in watched)
                {
                    waiting += await broker.QueuedAsync(queue);
                }

                quiet = waiting == 0 ? quiet + 1 : 0;
            }

            var (rss, peak) = ReadMemory(worker.Id);
            await output.WriteLineAsync($"  {messages} messages taken in after {clock.Elapsed.TotalSeconds:0} s: worker RSS {rss / 1024.0:0.0} MiB, peak {peak / 1024.0:0.0} MiB");
            return (rss, peak);
        }
        finally
        {
            worker.Kill(entireProcessTree: true);
            await worker.WaitForExitAsync();
            worker.Dispose();
        }
    }

    /// <summary>VmRSS and VmHWM (peak) from /proc, in KiB.</summary>
    private static (long Rss, long Peak) ReadMemory(int pid)
    {
        var status = File.ReadAllLines($"/proc/{pid}/status");
        long Read(string key) => long.Parse(
            status.First(l => l.StartsWith(key, StringComparison.Ordinal)).Split(' ', StringSplitOptions.RemoveEmptyEntries)[1],
            CultureInfo.InvariantCulture);
        return (Read("VmRSS:"), Read("VmHWM:"));
    }
}
