using System.Buffers;
using MimeKit;
using MimeKit.Cryptography;
using Org.BouncyCastle.Crypto;

namespace Sluice.Simulator;

/// <summary>Verifies a stored message's DKIM signatures with MimeKit, against the keys the simulator publishes.</summary>
internal sealed class DkimCheck(IReadOnlyDictionary<string, string> published)
{
    private readonly DkimVerifier _verifier = new(new PublishedKeys(published));

    /// <summary>
    /// <c>pass d=…</c> / <c>fail d=…</c> per signature, joined by <c>; </c>; null when the message is not signed, or when
    /// no key is published (nothing to check against; the benchmarks do not pay for parsing every message then).
    /// </summary>
    public string? Verify(ReadOnlySequence<byte> buffer)
    {
        if (published.Count == 0)
        {
            return null;
        }

        using var stream = new MemoryStream(buffer.ToArray());
        using var message = MimeMessage.Load(stream);
        var results = new List<string>();
        foreach (var header in message.Headers.Where(h => h.Id == HeaderId.DkimSignature))
        {
            string domain = Tag(header.Value, "d") ?? "?";
            bool valid;
            try
            {
                valid = _verifier.Verify(message, header);
            }
            catch (Exception e) when (e is FormatException or ParseException or ArgumentException or InvalidOperationException)
            {
                valid = false;
            }

            results.Add($"{(valid ? "pass" : "fail")} d={domain}");
        }

        return results.Count == 0 ? null : string.Join("; ", results);
    }

    private static string? Tag(string value, string name) =>
        value.Split(';').Select(t => t.Trim().Split('=', 2)).FirstOrDefault(t => t.Length == 2 && t[0].Trim() == name)?[1].Trim();

    /// <summary>The public keys as a receiver would find them in DNS.</summary>
    private sealed class PublishedKeys(IReadOnlyDictionary<string, string> published) : DkimPublicKeyLocatorBase
    {
        public override AsymmetricKeyParameter LocatePublicKey(string methods, string domain, string selector, CancellationToken cancellationToken = default) =>
            published.TryGetValue($"{selector}._domainkey.{domain}", out string? txt)
                ? GetPublicKey(txt)
                : throw new InvalidOperationException($"no key published at {selector}._domainkey.{domain}");

        public override Task<AsymmetricKeyParameter> LocatePublicKeyAsync(string methods, string domain, string selector, CancellationToken cancellationToken = default) =>
            Task.FromResult(LocatePublicKey(methods, domain, selector, cancellationToken));
    }
}
