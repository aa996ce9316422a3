using System.Collections.Concurrent;

namespace Sluice.Worker.Telemetry;

/// <summary>
/// Bounded cardinality for one tag (OpenTelemetry's guidance on tag cardinality): the first <c>max</c> distinct values
/// keep their name, every later one is <see cref="Other"/>. A first-seen policy rather than a ranking, because a tag
/// value that changes with ranking would split one series in two. Values that come from producers or receivers (a
/// tenant, a reply code) go through one of these, so hostile input cannot grow the number of series without bound.
/// </summary>
public sealed class FirstSeenTagValues(int max)
{
    public const string Other = "other";

    private readonly ConcurrentDictionary<string, bool> _named = new(StringComparer.OrdinalIgnoreCase);
    private int _count;

    public string For(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (_named.ContainsKey(value))
        {
            return value;
        }

        if (Interlocked.Increment(ref _count) <= max)
        {
            if (!_named.TryAdd(value, true))
            {
                Interlocked.Decrement(ref _count); // another thread named it first
            }

            return value;
        }

        Interlocked.Decrement(ref _count);
        return Other;
    }
}
