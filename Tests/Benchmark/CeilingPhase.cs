using System.Diagnostics;
using RabbitMQ.Client;
using Sluice.Contracts.Publishing;
using Sluice.Simulator;
using Sluice.Worker.Sending;

namespace Sluice.Benchmark;

/// <summary>
/// The ceiling: Sluice's unlimited drain rate through the broker ÷ a raw MailKit send loop of
/// the same concurrency to the same simulator, both measured in this run on this machine.
/// </summary>
internal static class CeilingPhase
{
    public static async Task<(double Raw, double Drain)> RunAsync(int messages, int connections, TextWriter output)
    {
        await using var simulator = ReceivingSimulator.Start(new SimulatorOptions { Port = 0 });
        double raw = await RawSendRateAsync(simulator, messages, connections);
        await output.WriteLineAsync($"  raw MailKit loop, {connections} connections: {raw:0} msg/s");

        await using var drainSimulator = ReceivingSimulator.Start(new SimulatorOptions { Port = 0 });
        await using var broker = await BenchBroker.CreateAsync("ceiling");
        var configuration = BenchWorker.Configuration(broker, drainSimulator, connections);
        configuration["Limits:Default:PermitLimit"] = string.Empty; // no rate limit
        configuration["Limits:Default:Concurrency"] = connections.ToString(System.Globalization.CultureInfo.InvariantCulture);

        // Declare the topology and queue the backlog before the worker starts, so only draining is timed.
        using (var declare = await BenchWorker.StartAsync(new Dictionary<string, string?>(configuration) { ["Smtp:Connections"] = "1" }))
        {
            await declare.StopAsync();
        }

        var factory = new ConnectionFactory { HostName = "localhost", VirtualHost = broker.VirtualHost };
        await using (var connection = await factory.CreateConnectionAsync())
        await using (var publisher = await OutboundMailPublisher.CreateAsync(connection))
        {
            var domains = Enumerable.Range(0, 100).Select(i => $"d{i}.ceiling.example").ToList();
            await Backlog.PublishAsync(publisher, domains, messages / domains.Count);
        }

        var clock = Stopwatch.StartNew();
        using var worker = await BenchWorker.StartAsync(configuration);
        await drainSimulator.WaitUntilAsync(s => s.DeliveredCount >= messages, TimeSpan.FromMinutes(10));
        var delivered = drainSimulator.Records.Where(r => r.Stage == ReplyRecord.DataStage).Select(r => r.At).ToList();
        double drain = messages / (delivered.Max() - delivered.Min()).TotalSeconds;
        await output.WriteLineAsync($"  Sluice drain through RabbitMQ, no limit: {drain:0} msg/s (first to last delivery; {clock.Elapsed.TotalSeconds:0.0} s including start-up)");
        await worker.StopAsync();
        return (raw, drain);
    }

    private static async Task<double> RawSendRateAsync(ReceivingSimulator simulator, int messages, int connections)
    {
        var options = new SmtpOptions { Host = "127.0.0.1", Port = simulator.Port, Security = SmtpSecurity.None };
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, connections).Select(async c =>
        {
            await using var connection = new SmtpConnection(options);
            for (int i = c; i < messages; i += connections)
            {
                var mail = Backlog.Mail($"user{i}@d{i % 100}.raw.example");
                var report = await connection.SendAsync(MimeFactory.Create(mail), mail.From.Address, [mail.To[0].Address]);
                if (report.ConnectionFailure is not null || report.Accepted.Count != 1)
                {
                    throw new InvalidOperationException($"raw send failed: {report}");
                }
            }
        }));
        return messages / clock.Elapsed.TotalSeconds;
    }
}
