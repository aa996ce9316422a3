using System.Globalization;
using System.Net;
using Sluice.Contracts.Events;
using Sluice.Contracts.Publishing;
using Sluice.Simulator;
using Sluice.Tests.Infrastructure;
using Sluice.Worker.Topology;

namespace Sluice.Tests.Routing;

/// <summary>
/// MTA-STS in <c>Smtp:Mode=Mx</c>, end to end: the simulator's DNS announces the policies, an HTTPS server serves them
/// (its certificate from a test CA that <c>MtaSts:TrustedCertificatesFile</c> trusts), and simulators on several
/// loopback addresses stand for MX hosts with and without TLS.
/// </summary>
public sealed class MtaStsTests
{
    private static readonly TimeSpan HangGuard = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task An_enforced_policy_sends_mail_only_over_verified_TLS_to_the_hosts_it_names_and_defers_it_otherwise()
    {
        string folder = Directory.CreateTempSubdirectory("sluice-mta-sts-").FullName;
        using var authority = new TestCertificateAuthority();
        using var mxCertificate = authority.Issue(["mx-tls.sts.test"]);
        using var wrongCertificate = authority.Issue(["elsewhere.sts.test"]);
        using var policyCertificate = authority.Issue(["mta-sts.enforced.sts.test", "mta-sts.badcert.sts.test", "mta-sts.unlisted.sts.test", "mta-sts.testing.sts.test"]);

        await using var broker = await TestBroker.CreateAsync();
        await using var plain = ReceivingSimulator.Start(new SimulatorOptions { Port = 0 });
        await using var tls = ReceivingSimulator.Start(new SimulatorOptions { Port = plain.Port, Address = "127.0.0.2", Certificate = mxCertificate });
        await using var misnamed = ReceivingSimulator.Start(new SimulatorOptions { Port = plain.Port, Address = "127.0.0.4", Certificate = wrongCertificate });
        await using var policies = MtaStsPolicyServer.Start("127.0.0.5", policyCertificate);
        policies.Policies["mta-sts.enforced.sts.test"] = Policy("enforce", "mx-tls.sts.test");
        policies.Policies["mta-sts.badcert.sts.test"] = Policy("enforce", "mx-misnamed.sts.test");
        policies.Policies["mta-sts.unlisted.sts.test"] = Policy("enforce", "*.elsewhere.test");
        policies.Policies["mta-sts.testing.sts.test"] = Policy("testing", "mx-tls.sts.test");
        using var dns = SimulatedDns.Start(new DnsOptions
        {
            Port = 0,
            MxHosts =
            {
                // The plain host is preferred: an enforced policy that does not name it skips it.
                ["enforced.sts.test"] = ["10 mx-plain.sts.test", "20 mx-tls.sts.test"],
                ["badcert.sts.test"] = ["10 mx-misnamed.sts.test"],
                ["unlisted.sts.test"] = ["10 mx-plain.sts.test"],
                ["testing.sts.test"] = ["10 mx-plain.sts.test"],
                ["nopolicy.sts.test"] = ["10 mx-plain.sts.test"],
            },
            Addresses =
            {
                ["mx-plain.sts.test"] = ["127.0.0.1"],
                ["mx-tls.sts.test"] = ["127.0.0.2"],
                ["mx-misnamed.sts.test"] = ["127.0.0.4"],
                ["mta-sts.enforced.sts.test"] = ["127.0.0.5"],
                ["mta-sts.badcert.sts.test"] = ["127.0.0.5"],
                ["mta-sts.unlisted.sts.test"] = ["127.0.0.5"],
                ["mta-sts.testing.sts.test"] = ["127.0.0.5"],
            },
            Txt =
            {
                ["_mta-sts.enforced.sts.test"] = "v=STSv1; id=20261203a;",
                ["_mta-sts.badcert.sts.test"] = "v=STSv1; id=20261203a;",
                ["_mta-sts.unlisted.sts.test"] = "v=STSv1; id=20261203a;",
                ["_mta-sts.testing.sts.test"] = "v=STSv1; id=20261203a;",
            },
        });

        var logs = new LogCapture();
        await using var worker = await InProcessWorker.StartAsync(PipelineConfiguration.For(broker, plain,
            ("Smtp:Mode", "Mx"), ("Smtp:MxPort", plain.Port.ToString(CultureInfo.InvariantCulture)),
            ("Providers:Dns:Enabled", "true"), ("Providers:Dns:Servers:0", $"127.0.0.1:{dns.Port}"),
            ("MtaSts:PolicyPort", policies.Port.ToString(CultureInfo.InvariantCulture)),
            ("MtaSts:TrustedCertificatesFile", authority.WriteRootPem(folder)),
            ("Retry:InitialDelay", "01:00:00"), ("Logging:LogLevel:Sluice.Worker.Sending", "Information")), logs);
        await using var connection = await broker.ConnectAsync();
        string deferrals = await DeliveryEventFollower.BindAsync(connection, "deferred.#");
        await using var publisher = await OutboundMailPublisher.CreateAsync(connection);

        foreach (string recipient in new[] { "a@enforced.sts.test", "b@badcert.sts.test", "c@unlisted.sts.test", "d@testing.sts.test", "e@nopolicy.sts.test" })
        {
            await publisher.PublishAsync(SampleMail.To(recipient));
        }

        // Each policy is fetched once, and usable (the log says so).
        await logs.WaitForAsync("MTA-STS policy of", 4, HangGuard);
        Assert.Equal(0, logs.Count("not usable"));
        var deferred = (await DeliveryEventFollower.TakeEventsAsync(connection, deferrals, 2, HangGuard)).OrderBy(e => e.Recipient, StringComparer.Ordinal).ToList();
        await tls.WaitUntilAsync(s => s.DeliveredCount >= 1, HangGuard);
        await plain.WaitUntilAsync(s => s.DeliveredCount >= 2, HangGuard);

        // Enforced: only the host the policy names, over TLS it verified; a testing policy and no policy: as usual.
        Assert.Equal(["a@enforced.sts.test"], Delivered(tls));
        Assert.Equal(["d@testing.sts.test", "e@nopolicy.sts.test"], Delivered(plain));

        // A certificate not valid for the host, and a policy naming none of the hosts: deferred with 4.7.5, never sent.
        Assert.Equal(["b@badcert.sts.test", "c@unlisted.sts.test"], deferred.Select(e => e.Recipient));
        Assert.All(deferred, e => Assert.StartsWith("451 4.7.5", e.Reply, StringComparison.Ordinal));
        Assert.Contains("names none of its MX hosts", deferred[1].Reply, StringComparison.Ordinal);
        Assert.Empty(Delivered(misnamed));
        Assert.Equal(0u, await QueueReader.CountAsync(connection, QueueNames.Failed));
        Directory.Delete(folder, recursive: true);
    }

    private static string Policy(string mode, string mx) => $"version: STSv1\r\nmode: {mode}\r\nmx: {mx}\r\nmax_age: 86400\r\n";

    private static List<string> Delivered(ReceivingSimulator simulator) =>
        [.. simulator.Records.Where(r => r.Stage == ReplyRecord.DataStage).Select(r => r.Recipient).Order(StringComparer.Ordinal)];
}
