using System.Net;
using DnsClient;
using DnsClient.Protocol;
using Microsoft.Extensions.Options;
using Sluice.Worker.Classification;
using Sluice.Worker.Providers;

namespace Sluice.Worker.Sending;

/// <summary>
/// Where a domain's mail goes when an egress delivers straight to the receivers (<c>Smtp:Mode=Mx</c>), as RFC 5321
/// §5.1 says: its MX hosts in preference order, each with its addresses; the domain itself when it publishes no MX
/// (the implicit MX). DnsClient does the protocol work and caches each answer for its TTL (<c>Providers:Dns</c>).
/// What stops delivery is said as the reply a receiver would have given, so the reply table classifies it like any
/// other: a lookup that fails is a deferral (4.4.3), a domain that does not exist (5.1.2) or publishes a null MX
/// (RFC 7505, 5.1.10) a permanent failure, mail hosts without an address a deferral (4.4.4).
/// </summary>
public sealed class MxResolver(IOptions<ProviderOptions> options)
{
    private readonly Lazy<LookupClient> _dns = new(() => DnsLookup.Create(options.Value.Dns));

    public async Task<MxRoute> ResolveAsync(string domain, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(domain);
        IDnsQueryResponse answer;
        try
        {
            answer = await QueryAsync(domain, QueryType.MX, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is DnsResponseException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return MxRoute.Refused(451, "4.4.3", $"the MX lookup of {domain} failed ({e.Message})");
        }

        if (answer.Header.ResponseCode == DnsHeaderResponseCode.NotExistentDomain)
        {
            return MxRoute.Refused(550, "5.1.2", $"{domain} does not exist (NXDOMAIN)");
        }

        if (answer.HasError)
        {
            return MxRoute.Refused(451, "4.4.3", $"the MX lookup of {domain} failed ({answer.ErrorMessage})");
        }

        var records = answer.Answers.MxRecords().OrderBy(r => r.Preference).ToList();
        if (records.Count == 1 && Trim(records[0].Exchange.Value).Length == 0)
        {
            return MxRoute.Refused(556, "5.1.10", $"{domain} accepts no mail (null MX)");
        }

        var names = records.Count > 0 ? records.Select(r => Trim(r.Exchange.Value)).Where(n => n.Length > 0).Distinct(StringComparer.OrdinalIgnoreCase).ToList() : [domain];
        var hosts = new List<MxHost>(names.Count);
        foreach (string name in names)
        {
            var addresses = await AddressesAsync(name, answer.Additionals, cancellationToken).ConfigureAwait(false);
            if (addresses.Count > 0)
            {
                hosts.Add(new MxHost(name, addresses));
            }
        }

        return hosts.Count > 0
            ? new MxRoute(hosts, null)
            : MxRoute.Refused(451, "4.4.4", $"no address for the mail hosts of {domain} ({string.Join(", ", names)})");
    }

    /// <summary>A host's IPv4 and IPv6 addresses (empty when it has none or they cannot be looked up now).</summary>
    public Task<IReadOnlyList<IPAddress>> AddressesAsync(string host, CancellationToken cancellationToken) => AddressesAsync(host, [], cancellationToken);

    /// <summary>The TXT records of a name, each record's strings joined; empty when it has none; null when the lookup failed.</summary>
    public async Task<IReadOnlyList<string>?> TxtAsync(string name, CancellationToken cancellationToken)
    {
        try
        {
            var answer = await QueryAsync(name, QueryType.TXT, cancellationToken).ConfigureAwait(false);
            return answer.Header.ResponseCode == DnsHeaderResponseCode.NotExistentDomain ? []
                : answer.HasError ? null
                : [.. answer.Answers.TxtRecords().Select(t => string.Concat(t.Text))];
        }
        catch (Exception e) when (e is DnsResponseException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return null;
        }
    }

    /// <summary>The host's IPv4 and IPv6 addresses: from the MX answer's additional section when it carries them, else looked up.</summary>
    private async Task<IReadOnlyList<IPAddress>> AddressesAsync(string host, IEnumerable<DnsResourceRecord> additional, CancellationToken cancellationToken)
    {
        var given = additional.OfType<AddressRecord>().Where(a => Trim(a.DomainName.Value).Equals(host, StringComparison.OrdinalIgnoreCase)).Select(a => a.Address).ToList();
        if (given.Count > 0)
        {
            return given;
        }

        var found = new List<IPAddress>();
        foreach (var type in new[] { QueryType.A, QueryType.AAAA })
        {
            try
            {
                var answer = await QueryAsync(host, type, cancellationToken).ConfigureAwait(false);
                if (!answer.HasError)
                {
                    found.AddRange(answer.Answers.OfType<AddressRecord>().Select(a => a.Address));
                }
            }
            catch (Exception e) when (e is DnsResponseException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
            {
                // This address family of this host is not known now; the host's other addresses, or the next host, are tried.
            }
        }

        return found;
    }

    private async Task<IDnsQueryResponse> QueryAsync(string name, QueryType type, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(options.Value.Dns.Timeout);
        return await _dns.Value.QueryAsync(name, type, QueryClass.IN, deadline.Token).ConfigureAwait(false);
    }

    private static string Trim(string name) => name.Trim().TrimEnd('.').ToLowerInvariant();
}

/// <summary>A domain's mail hosts in the order they are tried, or the reply that stands for why there are none.</summary>
public sealed record MxRoute(IReadOnlyList<MxHost> Hosts, SmtpReply? Refusal)
{
    public static MxRoute Refused(int code, string enhanced, string text) => new([], SmtpReply.From(code, $"{enhanced} {text}"));
}

/// <summary>One mail host of a domain and its addresses.</summary>
public sealed record MxHost(string Name, IReadOnlyList<IPAddress> Addresses);
