using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using Sluice.Worker.Scheduling;

namespace Sluice.Worker.Telemetry;

/// <summary>
/// Bounded cardinality for the <c>domain</c> tag (OpenTelemetry's guidance on tag cardinality): the first
/// <see cref="TelemetryOptions.MaxDomainTags"/> distinct domains keep their name, every later one is
/// <c>other</c>. A first-seen policy rather than a ranking, because a tag value that changes with
/// ranking would split one domain's series in two. Provider partitions are always named: there are few.
/// </summary>
public sealed class DomainTags(IOptions<TelemetryOptions> options)
{
    public const string Other = "other";

    private readonly ConcurrentDictionary<string, bool> _named = new(StringComparer.OrdinalIgnoreCase);
    private int _count;

    /// <summary>The tag value for a domain or a partition key (<c>provider:NAME</c> stays as it is).</summary>
    public string For(string domainOrPartition)
    {
        if (Partitions.ProviderOf(domainOrPartition) is not null || _named.ContainsKey(domainOrPartition))
        {
            return domainOrPartition;
        }

        if (Interlocked.Increment(ref _count) <= options.Value.MaxDomainTags)
        {
            if (!_named.TryAdd(domainOrPartition, true))
            {
                Interlocked.Decrement(ref _count); // another thread named it first
            }

            return domainOrPartition;
        }

        Interlocked.Decrement(ref _count);
        return Other;
    }
}
