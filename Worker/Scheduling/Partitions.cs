namespace Sluice.Worker.Scheduling;

/// <summary>
/// The partition a message's limit, concurrency, adaptive rate and cool-down belong to: its provider
/// when intake resolved one (Microsoft counts across every domain it hosts), else its recipient domain.
/// </summary>
public static class Partitions
{
    private const string ProviderPrefix = "provider:";

    public static string Key(string domain, string? provider) => provider is null ? domain : ProviderPrefix + provider;

    /// <summary>The provider name of a provider partition key; null for a domain.</summary>
    public static string? ProviderOf(string partition) =>
        partition.StartsWith(ProviderPrefix, StringComparison.Ordinal) ? partition[ProviderPrefix.Length..] : null;
}
