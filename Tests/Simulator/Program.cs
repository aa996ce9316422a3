using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Json.Serialization;
using Sluice.Simulator;

// sluice-simulator RULES.json — serves until Ctrl+C. The file is a SimulatorOptions object.
if (args.Length != 1)
{
    await Console.Error.WriteLineAsync("usage: sluice-simulator RULES.json");
    return 2;
}

var options = JsonSerializer.Deserialize<SimulatorOptions>(await File.ReadAllTextAsync(args[0]), new JsonSerializerOptions(JsonSerializerDefaults.Web) { Converters = { new JsonStringEnumConverter() } })
    ?? throw new InvalidDataException($"{args[0]} is empty.");
await using var simulator = ReceivingSimulator.Start(options);
await Console.Out.WriteLineAsync($"sluice-simulator listening on 127.0.0.1:{simulator.Port}");
using var dns = options.Dns is { } dnsOptions ? SimulatedDns.Start(dnsOptions) : null;
if (dns is not null)
{
    await Console.Out.WriteLineAsync($"sluice-simulator DNS (MX) on 127.0.0.1:{dns.Port}");
}

var stop = new TaskCompletionSource();
using var terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
{
    context.Cancel = true;
    stop.TrySetResult();
});
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    stop.TrySetResult();
};
await stop.Task;
return 0;
