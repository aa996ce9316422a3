using System.Diagnostics;
using Sluice.Simulator;
using Sluice.Worker.Sending;

namespace Sluice.Benchmark;

/// <summary>
/// The ceiling: Sluice's unlimited drain rate through the broker ÷ a raw MailKit send loop of
/// the same concurrency to the same simulator, both measured in this run on this machine. The raw loop is measured
/// after a warm-up run of a fifth of the messages (cold, its first run was about a quarter slower); a second drain in
/// the same process ran no faster than the first (1,076 then 1,081 msg/s), so the drain is measured once.
/// </summary>
internal static class CeilingPhase
{
    public static async Task<(double Raw, double Drain)> RunAsync(int messages, int connections, TextWriter output)
    {
        await using var simulator = ReceivingSimulator.Start(new SimulatorOptions { Port = 0 });
        await RawSendRateAsync(simulator, messages / 5, connections);
        double raw = await RawSendRateAsync(simulator, messages, connections);
        await output.WriteLineAsync($"  raw MailKit loop, {connections} connections: {raw:0} msg/s (after a warm-up run)");

        var domains = Enumerable.Range(0, 100).Select(i => $"d{i}.ceiling.example").ToList();
        await using var drainSimulator = ReceivingSimulator.Start(new SimulatorOptions { Port = 0 });
        await using var broker = await BenchBroker.CreateAsync("ceiling");
        var (drain, withStartUp) = await UnlimitedDrain.RunAsync(broker, BenchWorker.Configuration(broker, drainSimulator, connections), [drainSimulator], domains, messages);
        await output.WriteLineAsync($"  Sluice drain through RabbitMQ, no limit: {drain:0} msg/s (first to last delivery; {withStartUp.TotalSeconds:0.0} s including start-up)");
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
