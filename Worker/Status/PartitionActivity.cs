using System.Collections.Concurrent;

namespace Sluice.Worker.Status;

/// <summary>
/// What each partition's receiver did lately, as the owner saw it: recipients delivered in the last minute and the
/// last reply. Delivered counts are kept in one-second buckets over a minute, so a partition costs 60 counters
/// whatever its rate.
/// </summary>
public sealed class PartitionActivity(TimeProvider time)
{
    private const int Seconds = 60;

    private readonly ConcurrentDictionary<string, Partition> _partitions = new(StringComparer.Ordinal);

    /// <summary><paramref name="recipients"/> of <paramref name="partition"/> were accepted.</summary>
    public void Delivered(string partition, int recipients) =>
        _partitions.GetOrAdd(partition, _ => new Partition()).Add(time.GetUtcNow().ToUnixTimeSeconds(), recipients);

    /// <summary>The receiver of <paramref name="partition"/> replied <paramref name="reply"/> (the last one is kept).</summary>
    public void Replied(string partition, string reply) =>
        _partitions.GetOrAdd(partition, _ => new Partition()).Reply(reply, time.GetUtcNow());

    /// <summary>Recipients delivered in the last minute, the last reply and when it came.</summary>
    public (long DeliveredLastMinute, string? LastReply, DateTimeOffset? LastReplyAt) Of(string partition) =>
        _partitions.TryGetValue(partition, out var p) ? p.Read(time.GetUtcNow().ToUnixTimeSeconds()) : (0, null, null);

    private sealed class Partition
    {
        private readonly Lock _gate = new();
        private readonly long[] _counts = new long[Seconds];
        private readonly long[] _secondOf = new long[Seconds];
        private string? _lastReply;
        private DateTimeOffset? _lastReplyAt;

        public void Add(long second, int recipients)
        {
            int slot = (int)(second % Seconds);
            lock (_gate)
            {
                if (_secondOf[slot] != second)
                {
                    _secondOf[slot] = second;
                    _counts[slot] = 0;
                }

                _counts[slot] += recipients;
            }
        }

        public void Reply(string reply, DateTimeOffset at)
        {
            lock (_gate)
            {
                _lastReply = reply;
                _lastReplyAt = at;
            }
        }

        public (long, string?, DateTimeOffset?) Read(long now)
        {
            lock (_gate)
            {
                long sum = 0;
                for (int i = 0; i < Seconds; i++)
                {
                    if (now - _secondOf[i] < Seconds)
                    {
                        sum += _counts[i];
                    }
                }

                return (sum, _lastReply, _lastReplyAt);
            }
        }
    }
}
