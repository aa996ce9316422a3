using System.ComponentModel.DataAnnotations;

namespace Sluice.Worker.Sending.MtaSts;

/// <summary>MTA-STS (RFC 8461) for egresses that deliver straight to MX hosts (configuration section <c>MtaSts</c>).</summary>
public sealed class MtaStsOptions
{
    public const string SectionName = "MtaSts";

    /// <summary>Look up and honour receivers' MTA-STS policies in <c>Smtp:Mode=Mx</c>; off: opportunistic TLS only.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>The HTTPS port of <c>mta-sts.DOMAIN</c>; 443 as the RFC says (another port only stands in for it in tests).</summary>
    [Range(1, 65535)]
    public int PolicyPort { get; set; } = 443;

    /// <summary>How long fetching one policy may take (connect, TLS, response); the RFC suggests no more than a minute.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:05:00")]
    public TimeSpan FetchTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long a policy that could not be fetched is not asked for again (meanwhile: the cached one, or none).</summary>
    [Range(typeof(TimeSpan), "00:00:00", "1.00:00:00")]
    public TimeSpan FailureTtl { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// A PEM file of extra root certificates trusted besides the system's, for policy hosts and MX hosts whose
    /// certificates a private CA issued (the public Internet needs none).
    /// </summary>
    public string? TrustedCertificatesFile { get; set; }
}
