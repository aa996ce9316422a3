using System.Diagnostics;
using Sluice.Simulator;
using Sluice.Worker.Sending;

namespace Sluice.Benchmark;

/// <summary>
/// The ceiling: Sluice's unlimited drain rate through the broker ÷ a raw MailKit send loop of
/// the same concurrency to the same simulator, both measured in this run on this machine. The raw loop is measured
/// after a warm-up run of a fifth of the messages (cold, its first run was about a quarter slower); a second drain in
/// the same process ran no faster than the first (1,076 then 1,081 msg/s), so the drain is measured once.
/// <para>
/// Both are CPU-bound where the broker, the worker and the simulator share the machine's cores, so it also prints
/// each one's CPU time per message: the raw loop's (MailKit and the simulator), and the drain's (this process: worker
/// and simulator; and the broker). Their quotient is the ratio a drain that keeps every core busy can reach here.
/// </para>
/// </summary>
internal static class CeilingPhase
{
    public static async Task<(double Raw, double Drain, double CpuBound)> RunAsync(int messages, int connections, TextWriter output)
    {
        await using var simulator = ReceivingSimulator.Start(new SimulatorOptions { Port = 0 });
        await RawSendRateAsync(simulator, messages / 5, connections);
        var rawCpu = CpuMeter.Mark();
        double raw = await RawSendRateAsync(simulator, messages, connections);
        double rawPerMessage = rawCpu.Since().Process.TotalMilliseconds / messages;
        await output.WriteLineAsync($"  raw MailKit loop, {connections} connections: {raw:0} msg/s (after a warm-up run); CPU {rawPerMessage:0.000} ms per message");

        var domains = Enumerable.Range(0, 100).Select(i => $"d{i}.ceiling.example").ToList();
        await using var drainSimulator = ReceivingSimulator.Start(new SimulatorOptions { Port = 0 });
        await using var broker = await BenchBroker.CreateAsync("ceiling");
        var result = await UnlimitedDrain.RunAsync(broker, BenchWorker.Configuration(broker, drainSimulator, connections), [drainSimulator], domains, messages);
        await output.WriteLineAsync($"  Sluice drain through RabbitMQ, no limit: {result.Rate:0} msg/s (first to last delivery; {result.WithStartUp.TotalSeconds:0.0} s including start-up)");
        double processPerMessage = result.ProcessCpu.TotalMilliseconds / messages;
        double brokerPerMessage = (result.BrokerCpu ?? TimeSpan.Zero).TotalMilliseconds / messages;
        double drainPerMessage = processPerMessage + brokerPerMessage;
        await output.WriteLineAsync(
            $"  drain CPU per message: {drainPerMessage:0.000} ms = worker and simulator {processPerMessage:0.000} + broker {(result.BrokerCpu is null ? "not read" : $"{brokerPerMessage:0.000}")}" +
            $"; raw ÷ drain CPU per message {rawPerMessage / drainPerMessage:0.000} (the ceiling a CPU-bound drain reaches on this machine)");
        return (raw, result.Rate, rawPerMessage / drainPerMessage);
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
