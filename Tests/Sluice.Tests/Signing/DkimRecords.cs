using System.Security.Cryptography;

namespace Sluice.Tests.Signing;

/// <summary>DKIM public keys as a domain publishes them in DNS.</summary>
internal static class DkimRecords
{
    /// <summary>The TXT record for an RSA key: <c>v=DKIM1; k=rsa; p=</c> and the SubjectPublicKeyInfo in base64.</summary>
    public static string Rsa(RSA key) => $"v=DKIM1; k=rsa; p={Convert.ToBase64String(key.ExportSubjectPublicKeyInfo())}";
}
