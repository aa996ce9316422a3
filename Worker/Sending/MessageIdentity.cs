using System.Security.Cryptography;
using System.Text;
using Sluice.Contracts.Validation;

namespace Sluice.Worker.Sending;

/// <summary>
/// The Message-ID Sluice gives a message: derived from the producer's id, so every copy, retry and
/// re-drive of one message carries the same Message-ID and receivers can discard duplicates.
/// </summary>
public static class MessageIdentity
{
    /// <summary><c>&lt;sha256(id) as 32 hex digits@sender domain&gt;</c> (without the angle brackets, as MimeKit wants it).</summary>
    public static string For(string messageId, string senderAddress)
    {
        ArgumentNullException.ThrowIfNull(messageId);
        ArgumentNullException.ThrowIfNull(senderAddress);
        string hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(messageId)))[..32];
        string domain = EmailAddressNormalizer.DomainOf(senderAddress);
        return $"{hash}@{domain}";
    }
}
