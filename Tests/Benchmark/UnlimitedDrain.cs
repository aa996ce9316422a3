using System.Diagnostics;
using RabbitMQ.Client;
using Sluice.Contracts.Publishing;
using Sluice.Simulator;

namespace Sluice.Benchmark;

/// <summary>
/// Times the unlimited drain of a backlog queued before the worker starts (only draining is timed): messages ÷ the
/// time from the first delivery to the last, over every receiving simulator.
/// </summary>
internal static class UnlimitedDrain
{
    public static async Task<(double Rate, TimeSpan WithStartUp)> RunAsync(
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
        // The rate comes from the receivers' record times, so how soon the end is noticed does not change it.
        while (receivers.Sum(r => r.DeliveredCount) < messages)
        {
            if (clock.Elapsed > TimeSpan.FromMinutes(10))
            {
                throw new TimeoutException($"drained {receivers.Sum(r => r.DeliveredCount)} of {messages} in 10 minutes");
            }

            await Task.Delay(100);
        }

        var delivered = receivers.SelectMany(r => r.Records).Where(r => r.Stage == ReplyRecord.DataStage).Select(r => r.At).ToList();
        var elapsed = clock.Elapsed;
        await worker.StopAsync();
        return (messages / (delivered.Max() - delivered.Min()).TotalSeconds, elapsed);
    }
}
