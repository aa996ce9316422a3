using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Sluice.Simulator;
using Sluice.Worker.Providers;

namespace Sluice.Tests.Providers;

/// <summary>Domain → provider by name, suffix and MX; the MX path against a real DNS server on loopback.</summary>
public sealed class ProviderResolverTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 28, 12, 0, 0, TimeSpan.Zero));

    [Theory]
    [InlineData("outlook.com", "microsoft")]
    [InlineData("contoso.onmicrosoft.com", "microsoft")]
    [InlineData("onmicrosoft.com", "microsoft")]
    [InlineData("notonmicrosoft.com", null)] // a suffix matches whole labels only
    [InlineData("gmail.com", "google")]
    [InlineData("mail.gmail.com", null)]     // exact domains do not cover subdomains
    [InlineData("example.org", null)]
    public void By_exact_domain_then_suffix(string domain, string? provider)
    {
        var resolver = Resolver(dnsServers: null);
        Assert.Equal(provider, resolver.ByName(domain));
    }

    [Fact]
    public async Task By_MX_host_suffix_over_real_DNS_cached_for_the_TTL()
    {
        using var dns = SimulatedDns.Start(new DnsOptions
        {
            Port = 0,
            Mx =
            [
                new MxRule { Pattern = "*.contoso.example", Exchange = "contoso-example.mail.protection.outlook.com" },
                new MxRule { Pattern = "small.example", Exchange = "mx.small.example" },
            ],
        });
        var resolver = Resolver([$"127.0.0.1:{dns.Port}"]);

        Assert.Equal("microsoft", await resolver.ResolveAsync("sales.contoso.example", CancellationToken.None));
        Assert.Equal("microsoft", await resolver.ResolveAsync("sales.contoso.example", CancellationToken.None));
        Assert.Equal(1, dns.Queries); // the second came from the cache
        Assert.Null(await resolver.ResolveAsync("small.example", CancellationToken.None));       // MX, but no provider's
        Assert.Null(await resolver.ResolveAsync("nowhere.example", CancellationToken.None));     // NXDOMAIN
        Assert.Equal("microsoft", await resolver.ResolveAsync("outlook.com", CancellationToken.None)); // by name: no query
        Assert.Equal(3, dns.Queries);
    }

    [Fact]
    public async Task A_lookup_that_times_out_falls_back_to_the_domain_and_is_not_repeated_until_the_failure_TTL_ends()
    {
        using var dns = SimulatedDns.Start(new DnsOptions { Port = 0, Silent = true });
        var resolver = Resolver([$"127.0.0.1:{dns.Port}"], timeout: TimeSpan.FromMilliseconds(200));

        // The resolver gives up after 200 ms; on a loaded machine the server may count the query later than that.
        Assert.Null(await resolver.ResolveAsync("slow.example", CancellationToken.None));
        await dns.WaitForQueriesAsync(1, TimeSpan.FromSeconds(30));
        int asked = dns.Queries;
        Assert.Null(await resolver.ResolveAsync("slow.example", CancellationToken.None));
        Assert.Equal(asked, dns.Queries); // no second wait for the same domain

        _time.Advance(TimeSpan.FromMinutes(5));
        Assert.Null(await resolver.ResolveAsync("slow.example", CancellationToken.None));
        await dns.WaitForQueriesAsync(asked + 1, TimeSpan.FromSeconds(30));
    }

    private ProviderResolver Resolver(List<string>? dnsServers, TimeSpan? timeout = null) => new(Options.Create(new ProviderOptions
    {
        Known = new(StringComparer.OrdinalIgnoreCase)
        {
            ["microsoft"] = new ProviderRule { Domains = ["outlook.com", "hotmail.com"], Suffixes = ["onmicrosoft.com"], MxSuffixes = [".mail.protection.outlook.com"] },
            ["google"] = new ProviderRule { Domains = ["gmail.com"], MxSuffixes = ["google.com"] },
        },
        Dns = new MxLookupOptions
        {
            Enabled = dnsServers is not null,
            Servers = dnsServers ?? [],
            Timeout = timeout ?? TimeSpan.FromSeconds(2),
            FailureTtl = TimeSpan.FromMinutes(5),
        },
    }), _time, NullLogger<ProviderResolver>.Instance);
}
