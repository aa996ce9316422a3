using System.Collections.Concurrent;

namespace Sluice.Worker.Status;

/// <summary>
/// Messages per partition that the owner has sent to wait (a lane or the delay tiers) and not yet seen come back,
/// and since when the oldest of them was accepted. The broker counts queues, not partitions, so only the owner can
/// tell; a new owner starts from zero.
/// </summary>
public sealed class DomainBacklog
{
    private readonly ConcurrentDictionary<string, long> _waiting = new(StringComparer.Ordinal);

    // Per partition: how many waiting messages were accepted in each second. One entry per second, not per message,
    // so a backlog of millions costs a few thousand entries; the first key is the oldest.
    private readonly Dictionary<string, SortedDictionary<long, int>> _acceptedSeconds = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();

    /// <summary>A message of <paramref name="partition"/> came by: the partition is listed (waiting or not) from now on.</summary>
    public void Seen(string partition) => _waiting.TryAdd(partition, 0);

    /// <summary>A message accepted at <paramref name="acceptedAt"/> went to wait.</summary>
    public void Left(string partition, DateTimeOffset acceptedAt)
    {
        _waiting.AddOrUpdate(partition, 1, (_, n) => n + 1);
        long second = acceptedAt.ToUnixTimeSeconds();
        lock (_gate)
        {
            if (!_acceptedSeconds.TryGetValue(partition, out var seconds))
            {
                _acceptedSeconds[partition] = seconds = [];
            }

            seconds[second] = seconds.GetValueOrDefault(second) + 1;
        }
    }

    /// <summary>A message accepted at <paramref name="acceptedAt"/> is back from waiting (one this owner did not see leave changes nothing).</summary>
    public void Returned(string partition, DateTimeOffset acceptedAt)
    {
        _waiting.AddOrUpdate(partition, 0, (_, n) => Math.Max(0, n - 1));
        long second = acceptedAt.ToUnixTimeSeconds();
        lock (_gate)
        {
            if (_acceptedSeconds.TryGetValue(partition, out var seconds) && seconds.TryGetValue(second, out int count))
            {
                if (count > 1)
                {
                    seconds[second] = count - 1;
                }
                else
                {
                    seconds.Remove(second);
                }
            }
        }
    }

    /// <summary>When the oldest message of the partition still waiting was accepted (null: none waits, as far as this owner knows).</summary>
    public DateTimeOffset? OldestAccepted(string partition)
    {
        lock (_gate)
        {
            return _acceptedSeconds.TryGetValue(partition, out var seconds) && seconds.Count > 0
                ? DateTimeOffset.FromUnixTimeSeconds(seconds.First().Key)
                : null;
        }
    }

    public IReadOnlyDictionary<string, long> Snapshot() => new Dictionary<string, long>(_waiting, StringComparer.Ordinal);
}
