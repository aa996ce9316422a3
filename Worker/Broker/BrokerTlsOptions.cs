namespace Sluice.Worker.Broker;

/// <summary>TLS to the broker (configuration section <c>Broker:Tls</c>; an <c>amqps://</c> URI turns it on too).</summary>
public sealed class BrokerTlsOptions
{
    public bool Enabled { get; set; }

    /// <summary>The name the broker's certificate must carry; empty uses the host connected to.</summary>
    public string? ServerName { get; set; }

    /// <summary>A PEM file of the CA that signed the broker's certificate, when it is not one the system trusts.</summary>
    public string? CaFile { get; set; }

    /// <summary>A client certificate (PKCS #12 or PEM with its key) for brokers that require one (x509 authentication).</summary>
    public string? ClientCertificateFile { get; set; }

    /// <summary>The client certificate's password; give it as a secret (<c>SLUICE__Broker__Tls__ClientCertificatePassword</c>).</summary>
    public string? ClientCertificatePassword { get; set; }
}
