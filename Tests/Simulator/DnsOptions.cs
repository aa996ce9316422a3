namespace Sluice.Simulator;

/// <summary>The simulated DNS server: MX records (how Sluice learns which provider hosts a domain) and TXT records (SPF, DKIM, DMARC).</summary>
public sealed class DnsOptions
{
    /// <summary>UDP and TCP port on loopback; 0 picks a free one.</summary>
    public int Port { get; set; } = 5353;

    /// <summary>First match wins; a domain no rule matches (and no entry of <see cref="MxHosts"/> or <see cref="Addresses"/> names) does not exist (NXDOMAIN).</summary>
    public List<MxRule> Mx { get; set; } = [];

    /// <summary>
    /// A domain's MX records in full, before the <see cref="Mx"/> rules: <c>"PREFERENCE HOST"</c> entries (<c>"0 ."</c> is a
    /// null MX, RFC 7505).
    /// </summary>
    public Dictionary<string, List<string>> MxHosts { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>A and AAAA records: host name → its addresses (an MX host's, or a domain's own for the implicit MX).</summary>
    public Dictionary<string, List<string>> Addresses { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>TXT records by name (SPF, <c>SELECTOR._domainkey.DOMAIN</c>, <c>_dmarc.DOMAIN</c>); a test may change one while the server runs.</summary>
    public System.Collections.Concurrent.ConcurrentDictionary<string, string> Txt { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>The TTL of the TXT answers, in seconds (resolvers cache them this long; 0: a test that changes a record sees it at once).</summary>
    public int TxtTimeToLive { get; set; } = 60;

    /// <summary>Receive queries but never answer (to test a resolver's timeout).</summary>
    public bool Silent { get; set; }
}
