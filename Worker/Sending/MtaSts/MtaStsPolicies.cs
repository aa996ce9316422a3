using System.Collections.Concurrent;
using System.Globalization;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Sluice.Worker.Sending.MtaSts;

/// <summary>
/// Receivers' MTA-STS policies (RFC 8461 §3, §5): a domain announces one with a <c>_mta-sts</c> TXT record, and serves
/// it from <c>https://mta-sts.DOMAIN/.well-known/mta-sts.txt</c> (a certificate valid for that name, no redirects).
/// A fetched policy is kept for its <c>max_age</c> and fetched again when the record's id changes; a policy that cannot
/// be fetched leaves the one cached in force (an attacker who blocks the fetch does not lift it), or none.
/// Names are resolved by the same resolver as MX hosts (<c>Providers:Dns</c>).
/// </summary>
public sealed partial class MtaStsPolicies : IDisposable
{
    private const int MaxPolicyBytes = 64 * 1024;

    private readonly MxResolver _dns;
    private readonly MtaStsOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<MtaStsPolicies> _logger;
    private readonly HttpClient _http;
    private readonly ConcurrentDictionary<string, Cached> _cache = new(StringComparer.OrdinalIgnoreCase);

    public MtaStsPolicies(MxResolver dns, IOptions<MtaStsOptions> options, TimeProvider time, ILogger<MtaStsPolicies> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _dns = dns;
        _options = options.Value;
        _time = time;
        _logger = logger;
        Trust = new CertificateTrust(_options.TrustedCertificatesFile);
        var handler = new SocketsHttpHandler
        {
            AllowAutoRedirect = false, // RFC 8461 §3.3: redirects are not followed
            UseProxy = false,
            ConnectTimeout = _options.FetchTimeout,
            PooledConnectionLifetime = TimeSpan.FromMinutes(1),
            ConnectCallback = ConnectAsync,
            SslOptions = { RemoteCertificateValidationCallback = (_, certificate, chain, errors) => Trust.IsValid(certificate, chain, errors) },
        };
        _http = new HttpClient(handler) { Timeout = _options.FetchTimeout, MaxResponseContentBufferSize = MaxPolicyBytes };
    }

    /// <summary>Which certificates count as valid, for policy hosts and for MX hosts under an enforced policy.</summary>
    public CertificateTrust Trust { get; }

    /// <summary>The policy in force for <paramref name="domain"/>, or null when it has none (or MTA-STS is off).</summary>
    public async Task<MtaStsPolicy?> ForAsync(string domain, CancellationToken cancellationToken)
    {
        if (!_options.Enabled)
        {
            return null;
        }

        var now = _time.GetUtcNow();
        _cache.TryGetValue(domain, out var cached);
        var txt = await _dns.TxtAsync($"_mta-sts.{domain}", cancellationToken).ConfigureAwait(false);
        string? id = txt is null ? null : MtaStsPolicy.AnnouncedId(txt);

        // No record (or DNS not answering): a policy cached and not expired stays in force (RFC 8461 §5.1); so does one
        // with the id announced now, and whatever is cached while a failed fetch waits out its FailureTtl.
        if (id is null || (cached is not null && ((cached.Policy?.Id == id && cached.Expires > now) || cached.RetryAfter > now)))
        {
            return cached?.Current(now);
        }

        var fetched = await FetchAsync(domain, id, cancellationToken).ConfigureAwait(false);
        var entry = fetched is null
            ? new Cached(cached?.Policy, cached?.Expires ?? now, RetryAfter: now + _options.FailureTtl)
            : new Cached(fetched, now + fetched.MaxAge, RetryAfter: now);
        _cache[domain] = entry;
        return entry.Current(now);
    }

    public void Dispose() => _http.Dispose();

    private async Task<MtaStsPolicy?> FetchAsync(string domain, string id, CancellationToken cancellationToken)
    {
        string port = _options.PolicyPort == 443 ? string.Empty : $":{_options.PolicyPort.ToString(CultureInfo.InvariantCulture)}";
        var uri = new Uri($"https://mta-sts.{domain}{port}/.well-known/mta-sts.txt");
        try
        {
            using var response = await _http.GetAsync(uri, cancellationToken).ConfigureAwait(false);
            if (response.StatusCode != System.Net.HttpStatusCode.OK || response.Content.Headers.ContentType?.MediaType != "text/plain")
            {
                LogUnusable(domain, $"HTTP {(int)response.StatusCode}, {response.Content.Headers.ContentType?.MediaType ?? "no content type"}");
                return null;
            }

            string text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
            var policy = MtaStsPolicy.Parse(text, id, out string? problem);
            if (policy is null)
            {
                LogUnusable(domain, problem!);
            }
            else
            {
                LogFetched(domain, policy.Mode, policy.Mx, policy.MaxAge);
            }

            return policy;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or IOException && !cancellationToken.IsCancellationRequested)
        {
            LogUnusable(domain, e.Message);
            return null;
        }
    }

    /// <summary>Connects the policy fetch to the policy host's address, as the egress's resolver gives it.</summary>
    private async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken cancellationToken)
    {
        var addresses = await _dns.AddressesAsync(context.DnsEndPoint.Host, cancellationToken).ConfigureAwait(false);
        SocketException? last = null;
        foreach (var address in addresses)
        {
            var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await socket.ConnectAsync(address, context.DnsEndPoint.Port, cancellationToken).ConfigureAwait(false);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch (SocketException e)
            {
                socket.Dispose();
                last = e;
            }
        }

        throw new HttpRequestException($"no address of {context.DnsEndPoint.Host} answered{(last is null ? " (it has none)" : $" ({last.Message})")}", last);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "MTA-STS policy of {Domain}: mode {Mode}, mx {Mx}, kept {MaxAge}.")]
    private partial void LogFetched(string domain, MtaStsMode mode, IReadOnlyList<string> mx, TimeSpan maxAge);

    [LoggerMessage(Level = LogLevel.Warning, Message = "MTA-STS policy of {Domain} announced but not usable ({Problem}); the cached one, if any, stays in force.")]
    private partial void LogUnusable(string domain, string problem);

    /// <summary>A domain's policy as last fetched, until when it holds, and when a failed fetch may be tried again.</summary>
    private sealed record Cached(MtaStsPolicy? Policy, DateTimeOffset Expires, DateTimeOffset RetryAfter)
    {
        public MtaStsPolicy? Current(DateTimeOffset now) => Expires > now ? Policy : null;
    }
}
