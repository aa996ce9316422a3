using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace Sluice.Worker.Sending.MtaSts;

/// <summary>
/// Whether a server's certificate is valid for the name it was asked for: the system's roots, plus the extra roots of
/// <see cref="MtaStsOptions.TrustedCertificatesFile"/> when given. A name mismatch is never forgiven.
/// </summary>
public sealed class CertificateTrust
{
    private readonly X509Certificate2Collection _extraRoots = [];

    public CertificateTrust(string? trustedCertificatesFile)
    {
        if (!string.IsNullOrEmpty(trustedCertificatesFile))
        {
            _extraRoots.ImportFromPemFile(trustedCertificatesFile);
        }
    }

    public bool IsValid(X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
    {
        if (errors == SslPolicyErrors.None)
        {
            return true;
        }

        if (errors != SslPolicyErrors.RemoteCertificateChainErrors || certificate is null || _extraRoots.Count == 0)
        {
            return false;
        }

        using var custom = new X509Chain();
        custom.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        custom.ChainPolicy.CustomTrustStore.AddRange(_extraRoots);
        custom.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck; // a private CA rarely publishes revocation
        if (chain is not null)
        {
            custom.ChainPolicy.ExtraStore.AddRange(chain.ChainElements.Select(e => e.Certificate).ToArray());
        }

        return custom.Build(certificate as X509Certificate2 ?? X509CertificateLoader.LoadCertificate(certificate.GetRawCertData()));
    }
}
