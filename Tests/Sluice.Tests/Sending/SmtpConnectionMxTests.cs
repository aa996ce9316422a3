using MimeKit;
using Microsoft.Extensions.Options;
using Sluice.Simulator;
using Sluice.Worker.Providers;
using Sluice.Worker.Sending;

namespace Sluice.Tests.Sending;

/// <summary>
/// Delivering to MX hosts, the scheduler connects before it takes a rate permit and sends after: the send uses that
/// connection as it is, and the domain's route is looked up once per message, not twice. Against the simulator's DNS
/// (answers with a TTL of 0, so every lookup the connection makes reaches the server) and a receiving simulator.
/// </summary>
public sealed class SmtpConnectionMxTests
{
    [Fact]
    public async Task The_send_after_a_connect_does_not_resolve_the_domain_again_and_the_next_message_does()
    {
        await using var receiver = ReceivingSimulator.Start(new SimulatorOptions { Port = 0 });
        using var dns = SimulatedDns.Start(new DnsOptions
        {
            Port = 0,
            Mx = { new MxRule { Pattern = "once.mx.example", Exchange = "mx.once.mx.example", TimeToLive = 0 } },
            Addresses = { ["mx.once.mx.example"] = ["127.0.0.1"] },
        });
        var providers = new ProviderOptions { Dns = { Servers = [$"127.0.0.1:{dns.Port}"], MinimumTtl = TimeSpan.Zero } };
        await using var connection = new SmtpConnection(
            new SmtpOptions { Mode = SmtpMode.Mx, MxPort = receiver.Port, Security = SmtpSecurity.None },
            new MxResolver(Options.Create(providers)));

        Assert.Null(await connection.EnsureConnectedAsync("once.mx.example"));
        int afterConnect = dns.Queries;
        var first = await connection.SendAsync(Message(), "sender@sluice.test", ["a@once.mx.example"], "once.mx.example");
        int afterFirstSend = dns.Queries;
        var second = await connection.SendAsync(Message(), "sender@sluice.test", ["b@once.mx.example"], "once.mx.example");

        Assert.Equal(["a@once.mx.example"], first.Accepted);
        Assert.Equal(["b@once.mx.example"], second.Accepted);
        Assert.True(afterConnect > 0);
        Assert.Equal(afterConnect, afterFirstSend);

        // A send with no connect just before it looks the route up itself (the MX answer was not cached).
        Assert.True(dns.Queries > afterFirstSend);
        Assert.Equal(1, receiver.SessionCount);
    }

    private static MimeMessage Message() => new(
        [new MailboxAddress(string.Empty, "sender@sluice.test")],
        [new MailboxAddress(string.Empty, "someone@once.mx.example")],
        "hello",
        new TextPart("plain") { Text = "hello" });
}
