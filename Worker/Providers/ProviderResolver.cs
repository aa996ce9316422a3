using System.Collections.Concurrent;
using System.Net;
using DnsClient;
using DnsClient.Protocol;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Sluice.Worker.Providers;

/// <summary>
/// Domain → provider: by exact domain, then by suffix, then by the domain's MX hosts (DnsClient, whose
/// cache keeps each answer for its TTL). A lookup that fails, times out or finds no domain falls back to no provider
/// (the domain is its own partition) and is not tried again for <see cref="MxLookupOptions.FailureTtl"/>,
/// so a slow resolver costs intake one timeout per domain, not one per message.
/// </summary>
public sealed partial class ProviderResolver
{
    private readonly ProviderOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<ProviderResolver> _logger;
    private readonly Lazy<LookupClient>? _dns;
    private readonly ConcurrentDictionary<string, DateTimeOffset> _failedUntil = new(StringComparer.OrdinalIgnoreCase);

    // The rules, normalised once (lower case, no trailing or leading dots), in the order they are tried.
    private readonly Dictionary<string, string> _exact = new(StringComparer.OrdinalIgnoreCase);
    private readonly List<(string Suffix, string Provider)> _suffixes;
    private readonly List<(string Suffix, string Provider)> _mxSuffixes;

    public ProviderResolver(IOptions<ProviderOptions> options, TimeProvider time, ILogger<ProviderResolver> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options.Value;
        _time = time;
        _logger = logger;
        foreach (var (name, rule) in _options.Known)
        {
            foreach (string domain in rule.Domains)
            {
                _exact.TryAdd(Trim(domain), name);
            }
        }

        _suffixes = [.. _options.Known.SelectMany(p => p.Value.Suffixes.Select(s => (Trim(s).TrimStart('.'), p.Key)))];
        _mxSuffixes = [.. _options.Known.SelectMany(p => p.Value.MxSuffixes.Select(s => (Trim(s).TrimStart('.'), p.Key)))];
        if (_options.Dns.Enabled && _mxSuffixes.Count > 0)
        {
            _dns = new Lazy<LookupClient>(() => DnsLookup.Create(_options.Dns));
        }
    }

    /// <summary>The provider known from the domain's name alone, or null.</summary>
    public string? ByName(string domain) =>
        _exact.TryGetValue(domain, out string? provider) ? provider : BySuffix(_suffixes, domain);

    /// <summary>The provider hosting <paramref name="domain"/>, or null (the domain is its own partition).</summary>
    public async ValueTask<string?> ResolveAsync(string domain, CancellationToken cancellationToken)
    {
        if (ByName(domain) is { } named)
        {
            return named;
        }

        if (_dns is null || (_failedUntil.TryGetValue(domain, out var until) && until > _time.GetUtcNow()))
        {
            return null;
        }

        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(_options.Dns.Timeout);
        try
        {
            var response = await _dns.Value.QueryAsync(domain, QueryType.MX, QueryClass.IN, deadline.Token).ConfigureAwait(false);
            if (response.HasError)
            {
                // NXDOMAIN, SERVFAIL: not a provider's that we can tell; ask again after the failure TTL.
                RememberFailure(domain);
                return null;
            }

            return response.Answers.MxRecords()
                .OrderBy(r => r.Preference)
                .Select(mx => BySuffix(_mxSuffixes, Trim(mx.Exchange.Value)))
                .FirstOrDefault(provider => provider is not null);
        }
        catch (Exception e) when (e is DnsResponseException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            RememberFailure(domain);
            LogLookupFailed(domain, e.Message, _options.Dns.FailureTtl.TotalSeconds);
            return null;
        }
    }

    private static string Trim(string name) => name.Trim().TrimEnd('.').ToLowerInvariant();

    /// <summary>
    /// The provider of the first suffix <paramref name="name"/> is or lies under (<c>a.b.example</c> is
    /// under <c>b.example</c>, <c>xb.example</c> is not), or null.
    /// </summary>
    private static string? BySuffix(List<(string Suffix, string Provider)> suffixes, string name)
    {
        foreach (var (suffix, provider) in suffixes)
        {
            if (name.Equals(suffix, StringComparison.OrdinalIgnoreCase)
                || (name.EndsWith(suffix, StringComparison.OrdinalIgnoreCase) && name.Length > suffix.Length && name[^(suffix.Length + 1)] == '.'))
            {
                return provider;
            }
        }

        return null;
    }

    private void RememberFailure(string domain) => _failedUntil[domain] = _time.GetUtcNow() + _options.Dns.FailureTtl;

    [LoggerMessage(Level = LogLevel.Warning, Message = "MX lookup of {Domain} failed ({Error}); it is its own limit partition for the next {Seconds:0} s.")]
    private partial void LogLookupFailed(string domain, string error, double seconds);
}
