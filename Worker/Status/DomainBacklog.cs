using System.Collections.Concurrent;

namespace Sluice.Worker.Status;

/// <summary>
/// Messages per domain that the owner has sent into the delay tiers and not yet seen come back. The
/// broker counts queues, not domains, so only the owner can tell; a new owner starts from zero.
/// </summary>
public sealed class DomainBacklog
{
    private readonly ConcurrentDictionary<string, long> _waiting = new(StringComparer.Ordinal);

    /// <summary>A message of <paramref name="domain"/> came by: the partition is listed (waiting or not) from now on.</summary>
    public void Seen(string domain) => _waiting.TryAdd(domain, 0);

    public void Left(string domain) => _waiting.AddOrUpdate(domain, 1, (_, n) => n + 1);

    public void Returned(string domain) => _waiting.AddOrUpdate(domain, 0, (_, n) => Math.Max(0, n - 1));

    public IReadOnlyDictionary<string, long> Snapshot() => new Dictionary<string, long>(_waiting, StringComparer.Ordinal);
}
