using System.ComponentModel.DataAnnotations;

namespace Sluice.Worker.Providers;

/// <summary>MX lookups for provider resolution (configuration section <c>Providers:Dns</c>).</summary>
public sealed class MxLookupOptions
{
    /// <summary>Off: providers are recognised by domain and suffix only.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Name servers as <c>address:port</c>; empty uses the machine's resolvers (/etc/resolv.conf).</summary>
    public List<string> Servers { get; set; } = [];

    /// <summary>How long intake waits for an answer before it falls back to the domain itself as the partition.</summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "00:01:00")]
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>How long a domain whose lookup failed or timed out keeps the fallback before it is looked up again.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "1.00:00:00")]
    public TimeSpan FailureTtl { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Answers are cached for their TTL, but at least this long.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "1.00:00:00")]
    public TimeSpan MinimumTtl { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>…and at most this long.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "30.00:00:00")]
    public TimeSpan MaximumTtl { get; set; } = TimeSpan.FromHours(12);
}
