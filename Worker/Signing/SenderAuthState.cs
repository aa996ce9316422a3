using System.Collections.Concurrent;

namespace Sluice.Worker.Signing;

/// <summary>The latest preflight result of each sender domain, and whether its mail is held.</summary>
public sealed class SenderAuthState
{
    private readonly ConcurrentDictionary<string, SenderReport> _reports = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>When true, a domain that fails holds its mail (<see cref="PreflightPolicy.Hold"/>).</summary>
    public bool Holding { get; set; }

    public IReadOnlyCollection<SenderReport> Reports => [.. _reports.Values.OrderBy(r => r.Domain, StringComparer.Ordinal)];

    public void Record(SenderReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        _reports[report.Domain] = report;
    }

    /// <summary>Why mail from <paramref name="fromDomain"/> is held (its own or a parent domain's failed preflight); null: it is not.</summary>
    public string? HeldBecause(string fromDomain)
    {
        if (!Holding || _reports.IsEmpty)
        {
            return null;
        }

        for (string domain = fromDomain.ToLowerInvariant(); domain.Contains('.', StringComparison.Ordinal); domain = domain[(domain.IndexOf('.', StringComparison.Ordinal) + 1)..])
        {
            if (_reports.TryGetValue(domain, out var report))
            {
                return report.Ok ? null : $"sender {domain} fails its preflight ({Failing(report)})";
            }
        }

        return null;
    }

    public static string Failing(SenderReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        return string.Join(", ", new[] { ("spf", report.Spf), ("dkim", report.Dkim), ("dmarc", report.Dmarc) }
            .Where(c => !c.Item2.Passed).Select(c => $"{c.Item1} {c.Item2.Status}"));
    }
}
