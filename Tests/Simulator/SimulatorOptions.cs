namespace Sluice.Simulator;

/// <summary>The receiving simulator's configuration (a JSON file for the command line, an object for tests).</summary>
public sealed class SimulatorOptions
{
    /// <summary>TCP port; 0 picks a free one.</summary>
    public int Port { get; set; } = 2525;

    /// <summary>The address it listens on: a loopback address (127.0.0.2 and up are loopback too, so several simulators can share a port as several MX hosts).</summary>
    public string Address { get; set; } = "127.0.0.1";

    /// <summary>How long a session may sit idle before the server closes it (receivers close idle sessions); null: SmtpServer's default.</summary>
    public TimeSpan? IdleTimeout { get; set; }

    public string ServerName { get; set; } = "sluice-simulator.local";

    /// <summary>With a certificate (and its private key) the simulator offers STARTTLS and presents it; without one, plain text only.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public System.Security.Cryptography.X509Certificates.X509Certificate2? Certificate { get; set; }

    /// <summary>Where to append the JSON-lines record of every reply; null keeps it in memory only.</summary>
    public string? RecordPath { get; set; }

    /// <summary>First match wins; see <see cref="DomainRule"/>.</summary>
    public List<DomainRule> Rules { get; set; } = [];

    /// <summary>
    /// Offer AUTH PLAIN/LOGIN (over plain text, as a test smarthost may) and accept these user → password
    /// pairs; null does not offer AUTH at all. Every delivery records the user its session authenticated as.
    /// </summary>
    public Dictionary<string, string>? Users { get; set; }

    /// <summary>Also serve MX records on this DNS port (the command line starts it when set).</summary>
    public DnsOptions? Dns { get; set; }

    /// <summary>
    /// The DKIM public keys the simulator's receivers find published: <c>SELECTOR._domainkey.DOMAIN</c> → the TXT
    /// record (<c>v=DKIM1; k=rsa; p=…</c>). Every stored message's signatures are verified against them and the result
    /// recorded (<see cref="ReplyRecord.Dkim"/>).
    /// </summary>
    public Dictionary<string, string> DkimKeys { get; set; } = new(StringComparer.OrdinalIgnoreCase);
}
