using System.Net;
using DnsClient;

namespace Sluice.Worker.Providers;

/// <summary>The DnsClient resolver every MX lookup uses (provider recognition, direct-to-MX delivery), as <c>Providers:Dns</c> configures it.</summary>
internal static class DnsLookup
{
    public static LookupClient Create(MxLookupOptions dns)
    {
        ArgumentNullException.ThrowIfNull(dns);
        var servers = dns.Servers.Select(s => new NameServer(IPEndPoint.Parse(s))).ToArray();
        var options = servers.Length > 0 ? new LookupClientOptions(servers) : new LookupClientOptions();
        options.Timeout = dns.Timeout;
        options.Retries = 0;
        options.UseCache = true;
        options.MinimumCacheTimeout = dns.MinimumTtl;
        options.MaximumCacheTimeout = dns.MaximumTtl;
        options.CacheFailedResults = false; // failures are remembered by the callers, on the injected clock
        options.ThrowDnsErrors = false;
        options.UseTcpFallback = true;
        return new LookupClient(options);
    }
}
