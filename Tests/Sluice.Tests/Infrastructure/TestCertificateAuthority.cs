using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Sluice.Tests.Infrastructure;

/// <summary>A throwaway CA for tests, and server certificates it issues for the names a test needs (valid for a day).</summary>
public sealed class TestCertificateAuthority : IDisposable
{
    private readonly RSA _key = RSA.Create(2048);
    private int _serial;

    public TestCertificateAuthority()
    {
        var request = new CertificateRequest("CN=sluice-test-ca", _key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        Root = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(2));
    }

    public X509Certificate2 Root { get; }

    /// <summary>The root certificate as a PEM file in <paramref name="directory"/>; returns its path.</summary>
    public string WriteRootPem(string directory)
    {
        string path = Path.Combine(directory, "ca.pem");
        File.WriteAllText(path, Root.ExportCertificatePem());
        return path;
    }

    /// <summary>
    /// A server certificate for <paramref name="dnsNames"/> (and, if given, <paramref name="address"/>) with its private key,
    /// loaded so that SslStream can present it.
    /// </summary>
    public X509Certificate2 Issue(string[] dnsNames, System.Net.IPAddress? address = null)
    {
        ArgumentNullException.ThrowIfNull(dnsNames);
        using var key = RSA.Create(2048);
        var request = new CertificateRequest($"CN={dnsNames[0]}", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        foreach (string name in dnsNames)
        {
            names.AddDnsName(name);
        }

        if (address is not null)
        {
            names.AddIpAddress(address);
        }

        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        using var issued = request.Create(Root, DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1), BitConverter.GetBytes(Interlocked.Increment(ref _serial)));
        using var withKey = issued.CopyWithPrivateKey(key);
        return X509CertificateLoader.LoadPkcs12(withKey.Export(X509ContentType.Pkcs12), null);
    }

    public void Dispose()
    {
        Root.Dispose();
        _key.Dispose();
    }
}
