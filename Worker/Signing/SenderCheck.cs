using System.Net;
using ARSoft.Tools.Net;
using ARSoft.Tools.Net.Dns;
using ARSoft.Tools.Net.Spf;
using MimeKit;
using MimeKit.Cryptography;
using Org.BouncyCastle.Crypto;

namespace Sluice.Worker.Signing;

/// <summary>
/// Checks that a sender domain authorises what Sluice sends for it, with ARSoft.Tools.Net doing the DNS and the SPF
/// evaluation (RFC 7208, including its limit of 10 DNS lookups) and MimeKit the DKIM signing and verifying: SPF for the
/// egress's sending addresses, DKIM by signing a probe with the held key and verifying it against the published one,
/// and the DMARC policy with alignment.
/// </summary>
public sealed class SenderCheck(IDnsResolver dns, DkimSigning dkim)
{
    /// <summary>RFC 7208 section 4.6.4: at most 10 mechanisms and modifiers that cause DNS lookups.</summary>
    public const int SpfLookupLimit = 10;

    /// <summary>The name servers of <c>Providers:Dns:Servers</c> (<c>address:port</c>), else the machine's.</summary>
    public static IDnsResolver Resolver(Providers.MxLookupOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Servers.Count == 0)
        {
            return new DnsStubResolver();
        }

        var servers = options.Servers.Select(IPEndPoint.Parse).ToList();
        int port = servers[0].Port == 0 ? 53 : servers[0].Port;
        return new DnsStubResolver(new ARSoft.Tools.Net.Dns.DnsClient(servers.Select(s => s.Address), [new UdpClientTransport(port), new TcpClientTransport(port)], false,
            (int)options.Timeout.TotalMilliseconds));
    }

    public async Task<SenderReport> CheckAsync(string domain, string egress, IReadOnlyList<IPAddress> sendingAddresses, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(domain);
        ArgumentNullException.ThrowIfNull(sendingAddresses);
        domain = domain.Trim().TrimEnd('.').ToLowerInvariant();
        var spf = await SpfAsync(domain, egress, sendingAddresses, cancellationToken).ConfigureAwait(false);
        try
        {
            var (dkimResult, signingDomain) = await DkimAsync(domain, cancellationToken).ConfigureAwait(false);
            var dmarc = await DmarcAsync(domain, spf.Passed, dkimResult.Passed ? signingDomain : null, cancellationToken).ConfigureAwait(false);
            return new SenderReport(domain, egress, spf, dkimResult, dmarc);
        }
        catch (DnsTroubleException e)
        {
            var unknown = SenderCheckResult.Error(e.Message);
            return new SenderReport(domain, egress, spf, unknown, unknown);
        }
    }

    private async Task<SenderCheckResult> SpfAsync(string domain, string egress, IReadOnlyList<IPAddress> addresses, CancellationToken cancellationToken)
    {
        if (addresses.Count == 0)
        {
            return SenderCheckResult.None($"no sending addresses configured for egress {egress} (Egresses:{egress}:Smtp:SendingAddresses, or Smtp:SendingAddresses)");
        }

        var validator = new SpfValidator { DnsResolver = dns, DnsLookupLimit = SpfLookupLimit };
        var failures = new List<string>();
        foreach (var address in addresses)
        {
            var result = await validator.CheckHostAsync(address, DomainName.Parse(domain), $"postmaster@{domain}", false, cancellationToken).ConfigureAwait(false);
            if (result.Result == SpfQualifier.TempError)
            {
                return SenderCheckResult.Error($"{address}: temperror (DNS did not answer): nothing is known about the domain");
            }

            if (result.Result != SpfQualifier.Pass)
            {
                failures.Add($"{address}: {result.Result.ToString().ToLowerInvariant()}"
                    + (result.Result == SpfQualifier.PermError ? " (no SPF record, a broken one, or more than 10 DNS lookups)" : string.Empty));
            }
        }

        return failures.Count == 0
            ? SenderCheckResult.Pass($"authorises {string.Join(", ", addresses)}")
            : SenderCheckResult.Fail(string.Join("; ", failures));
    }

    private async Task<(SenderCheckResult Result, string? SigningDomain)> DkimAsync(string domain, CancellationToken cancellationToken)
    {
        if (dkim.DomainFor(domain) is not { } signingDomain || dkim.SelectorFor(domain) is not { } selector)
        {
            return (SenderCheckResult.Fail("Sluice holds no DKIM key for this domain or a parent (Dkim:Keys): its mail goes out unsigned"), null);
        }

        string name = $"{selector}._domainkey.{signingDomain}";
        string? published = await TxtAsync(name, cancellationToken).ConfigureAwait(false);
        if (published is null)
        {
            return (SenderCheckResult.Fail($"no DKIM key is published at {name}"), signingDomain);
        }

        using var probe = new MimeMessage();
        probe.From.Add(new MailboxAddress(string.Empty, $"postmaster@{domain}"));
        probe.To.Add(new MailboxAddress(string.Empty, $"postmaster@{domain}"));
        probe.Subject = "sluice check-sender probe";
        probe.Date = DateTimeOffset.UtcNow;
        probe.MessageId = MimeKit.Utils.MimeUtils.GenerateMessageId(domain);
        probe.Body = new TextPart("plain") { Text = "probe" };
        dkim.SignOwn(probe, domain);
        var verifier = new DkimVerifier(new PublishedKey(published));
        bool valid;
        try
        {
            valid = await verifier.VerifyAsync(probe, probe.Headers[probe.Headers.IndexOf(HeaderId.DkimSignature)], cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is FormatException or ParseException or ArgumentException or InvalidOperationException)
        {
            return (SenderCheckResult.Fail($"the key published at {name} cannot be read ({e.GetType().Name})"), signingDomain);
        }

        return valid
            ? (SenderCheckResult.Pass($"d={signingDomain} s={selector}: the published key matches the one Sluice signs with"), signingDomain)
            : (SenderCheckResult.Fail($"the key published at {name} does not match the private key Sluice holds: receivers will see the signature fail"), signingDomain);
    }

    private async Task<SenderCheckResult> DmarcAsync(string domain, bool spfPassed, string? dkimDomain, CancellationToken cancellationToken)
    {
        var records = await DmarcRecordsAsync(domain, cancellationToken).ConfigureAwait(false);
        if (records.Count == 0)
        {
            return SenderCheckResult.None("no DMARC policy published: receivers apply their own");
        }

        // The policy is the closest record's: the From domain's own, else its nearest parent's.
        var tags = records[0].Tags;
        string policy = tags.GetValueOrDefault("p", "none");
        bool strictDkim = tags.GetValueOrDefault("adkim", "r") == "s";
        string organization = OrganizationalDomain(domain, records);

        // Sluice sends with the From address as the envelope sender, so SPF's identity is the From domain itself.
        // The signing domain is the From domain or a parent of it (the key is chosen so): its own records are those of
        // the From domain's walk at it and above.
        bool dkimAligned = dkimDomain is not null && (strictDkim
            ? dkimDomain == domain
            : OrganizationalDomain(dkimDomain, [.. records.Where(r => Senders.DomainNames.IsWithin(dkimDomain, r.Name))]) == organization);
        string alignment = $"DKIM {(dkimAligned ? "aligned" : "not aligned")}, SPF {(spfPassed ? "aligned" : "not passing")}";
        return dkimAligned || spfPassed
            ? SenderCheckResult.Pass($"p={policy}; {alignment}")
            : SenderCheckResult.Fail($"p={policy}; {alignment}: receivers will treat this mail by the policy");
    }

    /// <summary>
    /// The DMARC records at <paramref name="domain"/> and each of its parents, closest first: the DNS tree walk of DMARCbis,
    /// which finds the policy and the organizational domain without a public suffix list (at most 8 lookups).
    /// </summary>
    private async Task<List<(string Name, Dictionary<string, string> Tags)>> DmarcRecordsAsync(string domain, CancellationToken cancellationToken)
    {
        string[] labels = domain.Split('.');
        var found = new List<(string, Dictionary<string, string>)>();
        for (int i = Math.Max(0, labels.Length - 8); i < labels.Length - 1; i++)
        {
            string name = string.Join('.', labels[i..]);
            if (await TxtAsync($"_dmarc.{name}", cancellationToken).ConfigureAwait(false) is { } record && record.StartsWith("v=DMARC1", StringComparison.OrdinalIgnoreCase))
            {
                found.Add((name, record.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                    .Select(t => t.Split('=', 2)).Where(t => t.Length == 2)
                    .ToDictionary(t => t[0].Trim().ToLowerInvariant(), t => t[1].Trim(), StringComparer.Ordinal)));
            }
        }

        return found;
    }

    /// <summary>
    /// DMARCbis: the closest record that says <c>psd=n</c> names the organizational domain; one that says <c>psd=y</c> (a public
    /// suffix) makes it the name one label below; otherwise it is the highest name with a record, or the domain itself.
    /// </summary>
    private static string OrganizationalDomain(string domain, List<(string Name, Dictionary<string, string> Tags)> records)
    {
        string? highest = null;
        foreach (var (name, tags) in records)
        {
            switch (tags.GetValueOrDefault("psd"))
            {
                case "n":
                    return name;
                case "y":
                    string[] labels = domain.Split('.');
                    int suffixLabels = name.Split('.').Length;
                    return labels.Length > suffixLabels ? string.Join('.', labels[^(suffixLabels + 1)..]) : domain;
                default:
                    highest = name;
                    break;
            }
        }

        return highest ?? domain;
    }

    /// <summary>The first TXT record at <paramref name="name"/> (null: none); <see cref="DnsTroubleException"/> when DNS did not answer.</summary>
    private async Task<string?> TxtAsync(string name, CancellationToken cancellationToken)
    {
        List<TxtRecord> records;
        try
        {
            records = await dns.ResolveAsync<TxtRecord>(DomainName.Parse(name), RecordType.Txt, RecordClass.INet, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException and not OutOfMemoryException)
        {
            // ARSoft's stub resolver reports a failed request (timeout, refused) as a plain Exception.
            throw new DnsTroubleException($"DNS did not answer for {name} ({e.Message})", e);
        }

        return records.Count == 0 ? null : records[0].TextData;
    }

    /// <summary>A lookup got no answer at all: the check says nothing about the domain.</summary>
    private sealed class DnsTroubleException(string message, Exception inner) : Exception(message, inner);


    /// <summary>The one key found in DNS, for the probe's verification.</summary>
    private sealed class PublishedKey(string txt) : DkimPublicKeyLocatorBase
    {
        public override AsymmetricKeyParameter LocatePublicKey(string methods, string domain, string selector, CancellationToken cancellationToken = default) =>
            GetPublicKey(txt);

        public override Task<AsymmetricKeyParameter> LocatePublicKeyAsync(string methods, string domain, string selector, CancellationToken cancellationToken = default) =>
            Task.FromResult(GetPublicKey(txt));
    }
}
