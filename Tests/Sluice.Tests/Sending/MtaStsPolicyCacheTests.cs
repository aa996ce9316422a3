using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Sluice.Simulator;
using Sluice.Tests.Infrastructure;
using Sluice.Worker.Providers;
using Sluice.Worker.Sending;
using Sluice.Worker.Sending.MtaSts;

namespace Sluice.Tests.Sending;

/// <summary>
/// How long a fetched policy holds (RFC 8461 §5.1), against the simulator's DNS and policy server over real sockets:
/// fetched again only when the record's id changes, kept when a fetch fails or the record goes away, dropped at max_age.
/// </summary>
public sealed class MtaStsPolicyCacheTests
{
    [Fact]
    public async Task A_policy_is_kept_for_its_max_age_refetched_on_a_new_id_and_never_lifted_by_a_failed_fetch()
    {
        string folder = Directory.CreateTempSubdirectory("sluice-mta-sts-").FullName;
        using var authority = new TestCertificateAuthority();
        using var certificate = authority.Issue(["mta-sts.cached.test"]);
        await using var server = MtaStsPolicyServer.Start("127.0.0.5", certificate);
        var records = new DnsOptions
        {
            Port = 0,
            TxtTimeToLive = 0,
            Addresses = { ["mta-sts.cached.test"] = ["127.0.0.5"] },
            Txt = { ["_mta-sts.cached.test"] = "v=STSv1; id=one;" },
        };
        using var dns = SimulatedDns.Start(records);
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var providers = new ProviderOptions { Dns = { Servers = [$"127.0.0.1:{dns.Port}"], MinimumTtl = TimeSpan.Zero } };
        using var policies = new MtaStsPolicies(new MxResolver(Options.Create(providers)),
            Options.Create(new MtaStsOptions { PolicyPort = server.Port, TrustedCertificatesFile = authority.WriteRootPem(folder) }), time,
            NullLogger<MtaStsPolicies>.Instance);
        server.Policies["mta-sts.cached.test"] = "version: STSv1\nmode: enforce\nmx: mx.cached.test\nmax_age: 3600\n";

        Assert.Equal(MtaStsMode.Enforce, (await policies.ForAsync("cached.test", CancellationToken.None))?.Mode);

        // Same id: the cached policy, not a new fetch.
        server.Policies["mta-sts.cached.test"] = "version: STSv1\nmode: testing\nmx: mx.cached.test\nmax_age: 3600\n";
        Assert.Equal(MtaStsMode.Enforce, (await policies.ForAsync("cached.test", CancellationToken.None))?.Mode);
        Assert.Equal(1, server.RequestCount);

        // A new id: fetched again.
        records.Txt["_mta-sts.cached.test"] = "v=STSv1; id=two;";
        Assert.Equal(MtaStsMode.Testing, (await policies.ForAsync("cached.test", CancellationToken.None))?.Mode);

        // A newer id whose policy cannot be fetched, then no record at all: the cached policy holds until its max_age.
        server.Policies.Clear();
        records.Txt["_mta-sts.cached.test"] = "v=STSv1; id=three;";
        Assert.Equal(MtaStsMode.Testing, (await policies.ForAsync("cached.test", CancellationToken.None))?.Mode);
        records.Txt.TryRemove("_mta-sts.cached.test", out _);
        time.Advance(TimeSpan.FromMinutes(59));
        Assert.Equal(MtaStsMode.Testing, (await policies.ForAsync("cached.test", CancellationToken.None))?.Mode);
        time.Advance(TimeSpan.FromMinutes(2));
        Assert.Null(await policies.ForAsync("cached.test", CancellationToken.None));
        Directory.Delete(folder, recursive: true);
    }
}
