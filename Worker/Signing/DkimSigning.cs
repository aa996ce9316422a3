using Microsoft.Extensions.Options;
using MimeKit;
using MimeKit.Cryptography;

namespace Sluice.Worker.Signing;

/// <summary>
/// Signs outgoing messages with MimeKit's <see cref="DkimSigner"/> (relaxed/relaxed): the From domain's key (the
/// closest configured parent domain's, else none) and the relay's, if configured. The keys are read once, at start, so
/// a key that cannot be read stops the worker there instead of failing each send.
/// </summary>
public sealed class DkimSigning
{
    // The headers a receiver shows or threads by: changing any of them after signing breaks the signature.
    private static readonly HeaderId[] SignedHeaders =
    [
        HeaderId.From, HeaderId.To, HeaderId.Cc, HeaderId.ReplyTo, HeaderId.Subject, HeaderId.Date, HeaderId.MessageId,
        HeaderId.InReplyTo, HeaderId.References, HeaderId.MimeVersion, HeaderId.ContentType,
    ];

    private readonly List<(string Domain, DkimSigner Signer)> _byDomain;
    private readonly DkimSigner? _relay;

    public DkimSigning(IOptions<DkimOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _byDomain = [.. options.Value.Keys.Select(k => (k.Domain.ToLowerInvariant(), Create(k))).OrderByDescending(k => k.Item1.Length)];
        _relay = options.Value.Relay is { } relay ? Create(relay) : null;
    }

    /// <summary>True when at least one key is configured.</summary>
    public bool Enabled => _byDomain.Count > 0 || _relay is not null;

    /// <summary>The signing domain for a From domain: itself or its closest parent with a key; null: none (sent unsigned but for the relay's signature).</summary>
    public string? DomainFor(string fromDomain)
    {
        ArgumentNullException.ThrowIfNull(fromDomain);
        return SignerFor(fromDomain.ToLowerInvariant())?.Domain;
    }

    /// <summary>The selector of the key <see cref="DomainFor"/> chooses (null: none).</summary>
    public string? SelectorFor(string fromDomain)
    {
        ArgumentNullException.ThrowIfNull(fromDomain);
        return SignerFor(fromDomain.ToLowerInvariant())?.Signer.Selector;
    }

    /// <summary>
    /// Signs <paramref name="message"/> with the From domain's key only (the probe of <c>sluice check-sender</c>, and the
    /// first signature of <see cref="Sign"/>); returns the signing domain, null when there is no key.
    /// </summary>
    public string? SignOwn(MimeMessage message, string fromDomain)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(fromDomain);
        if (SignerFor(fromDomain.ToLowerInvariant()) is not { } own)
        {
            return null;
        }

        SignWith(own.Signer, message);
        return own.Domain;
    }

    /// <summary>Adds the DKIM signatures to <paramref name="message"/>; returns the signing domains (empty: not signed).</summary>
    public IReadOnlyList<string> Sign(MimeMessage message, string fromDomain)
    {
        var signed = new List<string>(2);
        if (SignOwn(message, fromDomain) is { } own)
        {
            signed.Add(own);
        }

        if (_relay is not null && !signed.Contains(_relay.Domain, StringComparer.OrdinalIgnoreCase))
        {
            SignWith(_relay, message);
            signed.Add(_relay.Domain);
        }

        return signed;
    }

    private static void SignWith(DkimSigner signer, MimeMessage message)
    {
        message.Prepare(EncodingConstraint.SevenBit);
        signer.Sign(message, SignedHeaders);
    }

    private (string Domain, DkimSigner Signer)? SignerFor(string fromDomain)
    {
        foreach (var (domain, signer) in _byDomain)
        {
            if (Senders.DomainNames.IsWithin(fromDomain, domain))
            {
                return (domain, signer);
            }
        }

        return null;
    }

    private static DkimSigner Create(DkimKeyOptions key)
    {
        var algorithm = key.Algorithm == DkimAlgorithm.Ed25519Sha256 ? DkimSignatureAlgorithm.Ed25519Sha256 : DkimSignatureAlgorithm.RsaSha256;
        using Stream pem = key.PrivateKey is { Length: > 0 } text
            ? new MemoryStream(System.Text.Encoding.ASCII.GetBytes(text))
            : File.OpenRead(key.PrivateKeyFile ?? throw new InvalidOperationException($"Dkim key {key.Selector}._domainkey.{key.Domain}: give PrivateKeyFile or PrivateKey"));
        return new DkimSigner(pem, key.Domain.ToLowerInvariant(), key.Selector, algorithm)
        {
            HeaderCanonicalizationAlgorithm = DkimCanonicalizationAlgorithm.Relaxed,
            BodyCanonicalizationAlgorithm = DkimCanonicalizationAlgorithm.Relaxed,
        };
    }
}
