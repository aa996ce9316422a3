using System.Diagnostics;
using RabbitMQ.Client;
using Sluice.Contracts.Publishing;
using Sluice.Simulator;

namespace Sluice.Benchmark;

/// <summary>
/// Times the unlimited drain of a backlog queued before the worker starts (only draining is timed): messages ÷ the
/// time from the first delivery to the last, over every receiving simulator; and the CPU time the drain took, from the
/// first delivery seen (polled every 100 ms) to the last.
/// </summary>
internal static class UnlimitedDrain
{
    public static async Task<DrainResult> RunAsync(
        BenchBroker broker, Dictionary<string, string?> configuration, IReadOnlyList<ReceivingSimulator> receivers, IReadOnlyList<string> domains, int messages)
    {
        configuration["Limits:Default:PermitLimit"] = string.Empty; // no rate limit
        configuration["Limits:Default:Concurrency"] = configuration["Smtp:Connections"];

        // Declare the topology and queue the backlog before the worker starts.
        using (var declare = await BenchWorker.StartAsync(new Dictionary<string, string?>(configuration) { ["Smtp:Connections"] = "1" }))
        {
            await declare.StopAsync();
        }

        var factory = new ConnectionFactory { HostName = "localhost", VirtualHost = broker.VirtualHost };
        await using (var connection = await factory.CreateConnectionAsync())
        await using (var publisher = await OutboundMailPublisher.CreateAsync(connection))
        {
            await Backlog.PublishAsync(publisher, domains, messages / domains.Count);
        }

        var clock = Stopwatch.StartNew();
        using var worker = await BenchWorker.StartAsync(configuration);
        CpuMeter? cpu = null;
        // The rate comes from the receivers' record times, so how soon the end is noticed does not change it.
        while (receivers.Sum(r => r.DeliveredCount) is var count && count < messages)
        {
            if (count > 0)
            {
                // Marked once the worker has started and sends: its start-up is not the drain's cost.
                cpu ??= CpuMeter.Mark();
            }

            if (clock.Elapsed > TimeSpan.FromMinutes(10))
            {
                throw new TimeoutException($"drained {receivers.Sum(r => r.DeliveredCount)} of {messages} in 10 minutes");
            }

            await Task.Delay(100);
        }

        var (processCpu, brokerCpu) = (cpu ?? CpuMeter.Mark()).Since();
        var delivered = receivers.SelectMany(r => r.Records).Where(r => r.Stage == ReplyRecord.DataStage).Select(r => r.At).ToList();
        var elapsed = clock.Elapsed;
        await worker.StopAsync();
        return new DrainResult(messages / (delivered.Max() - delivered.Min()).TotalSeconds, elapsed, processCpu, brokerCpu);
    }
}

/// <summary>A drain's rate, its time including the worker's start-up, and the CPU time it took (the broker's where it could be read).</summary>
internal readonly record struct DrainResult(double Rate, TimeSpan WithStartUp, TimeSpan ProcessCpu, TimeSpan? BrokerCpu);

