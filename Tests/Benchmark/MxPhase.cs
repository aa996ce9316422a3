using System.Globalization;
using Sluice.Simulator;

namespace Sluice.Benchmark;

/// <summary>
/// Direct-to-MX delivery against relaying: the same unlimited backlog over 100 domains, once through a smarthost and
/// once to the domains' own MX hosts (the simulator's DNS names two mail hosts, on 127.0.0.1 and 127.0.0.2, half the
/// domains each). Prints the drain rates, their ratio, and SMTP sessions opened per message (the per-host pool at work).
/// </summary>
internal static class MxPhase
{
    public static async Task<(double Relay, double Mx, double SessionsPerMessage)> RunAsync(int messages, int connections, TextWriter output)
    {
        var domains = Enumerable.Range(0, 100).Select(i => $"d{i}.mx.example").ToList();

        double relay;
        await using (var smarthost = ReceivingSimulator.Start(new SimulatorOptions { Port = 0 }))
        await using (var broker = await BenchBroker.CreateAsync("mxrelay"))
        {
            relay = (await UnlimitedDrain.RunAsync(broker, BenchWorker.Configuration(broker, smarthost, connections), [smarthost], domains, messages)).Rate;
            await output.WriteLineAsync($"  through a smarthost: {relay:0} msg/s");
        }

        await using var first = ReceivingSimulator.Start(new SimulatorOptions { Port = 0 });
        await using var second = ReceivingSimulator.Start(new SimulatorOptions { Port = first.Port, Address = "127.0.0.2" });
        var records = new DnsOptions { Port = 0 };
        for (int i = 0; i < domains.Count; i++)
        {
            records.MxHosts[domains[i]] = [$"10 mx{i % 2}.mx.example"];
        }

        records.Addresses["mx0.mx.example"] = ["127.0.0.1"];
        records.Addresses["mx1.mx.example"] = ["127.0.0.2"];
        using var dns = SimulatedDns.Start(records);
        await using var mxBroker = await BenchBroker.CreateAsync("mxdirect");
        var configuration = BenchWorker.Configuration(mxBroker, first, connections);
        configuration["Smtp:Mode"] = "Mx";
        configuration["Smtp:MxPort"] = first.Port.ToString(CultureInfo.InvariantCulture);
        configuration["Providers:Dns:Enabled"] = "true";
        configuration["Providers:Dns:Servers:0"] = $"127.0.0.1:{dns.Port.ToString(CultureInfo.InvariantCulture)}";
        double mx = (await UnlimitedDrain.RunAsync(mxBroker, configuration, [first, second], domains, messages)).Rate;
        double sessions = (double)(first.SessionCount + second.SessionCount) / messages;
        await output.WriteLineAsync($"  to the MX hosts: {mx:0} msg/s, {first.SessionCount + second.SessionCount} SMTP sessions for {messages} messages");
        return (relay, mx, sessions);
    }
}
