using System.Collections.Concurrent;

namespace Sluice.Worker.Signing;

/// <summary>The latest preflight result of each sender domain on each egress its mail may take, and whether its mail is held.</summary>
public sealed class SenderAuthState
{
    private readonly ConcurrentDictionary<(string Egress, string Domain), SenderReport> _reports = new();

    /// <summary>When true, a domain that fails holds its mail (<see cref="PreflightPolicy.Hold"/>).</summary>
    public bool Holding { get; set; }

    public IReadOnlyCollection<SenderReport> Reports =>
        [.. _reports.Values.OrderBy(r => r.Domain, StringComparer.Ordinal).ThenBy(r => r.Egress, StringComparer.Ordinal)];

    public void Record(SenderReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        _reports[(report.Egress, report.Domain.ToLowerInvariant())] = report;
    }

    /// <summary>
    /// Why mail from <paramref name="fromDomain"/> is held on <paramref name="egress"/> (its own or a parent domain's failed
    /// preflight against that egress's sending addresses); null: it is not.
    /// </summary>
    public string? HeldBecause(string fromDomain, string egress)
    {
        if (!Holding || _reports.IsEmpty)
        {
            return null;
        }

        for (string domain = fromDomain.ToLowerInvariant(); domain.Contains('.', StringComparison.Ordinal); domain = domain[(domain.IndexOf('.', StringComparison.Ordinal) + 1)..])
        {
            if (_reports.TryGetValue((egress, domain), out var report))
            {
                return report.Ok ? null : $"sender {domain} fails its preflight on egress {egress} ({Failing(report)})";
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
