using Microsoft.Extensions.Options;
using Sluice.Worker.Scheduling;

namespace Sluice.Worker.Telemetry;

/// <summary>
/// The <c>domain</c> tag: the first <see cref="TelemetryOptions.MaxDomainTags"/> distinct domains keep their name,
/// every later one is <c>other</c> (<see cref="FirstSeenTagValues"/>). Provider partitions are always named: there are few.
/// </summary>
public sealed class DomainTags(IOptions<TelemetryOptions> options)
{
    public const string Other = FirstSeenTagValues.Other;

    private readonly FirstSeenTagValues _values = new(options.Value.MaxDomainTags);

    /// <summary>The tag value for a domain or a partition key (<c>provider:NAME</c> stays as it is).</summary>
    public string For(string domainOrPartition) =>
        Partitions.ProviderOf(domainOrPartition) is not null ? domainOrPartition : _values.For(domainOrPartition);
}
