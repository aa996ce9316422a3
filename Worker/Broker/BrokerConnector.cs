using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Options;
using RabbitMQ.Client;

namespace Sluice.Worker.Broker;

/// <summary>
/// Opens connections to the configured broker (URI or keys, one node or a cluster's list, TLS when
/// asked) with heartbeats, and automatic recovery unless the caller must not silently resume.
/// </summary>
internal sealed class BrokerConnector(IOptions<BrokerOptions> options)
{
    /// <param name="purpose">Shown in the broker's connection list.</param>
    /// <param name="automaticRecovery">
    /// Off for an egress owner: its exclusive lease dies with the connection, so it must win the lease
    /// again (or stand by) rather than silently resume.
    /// </param>
    /// <param name="cancellationToken">Cancels connecting.</param>
    public async Task<IConnection> ConnectAsync(string purpose, CancellationToken cancellationToken, bool automaticRecovery = true)
    {
        var o = options.Value;
        var factory = new ConnectionFactory
        {
            HostName = o.HostName,
            Port = o.Port,
            VirtualHost = o.VirtualHost,
            UserName = o.UserName,
            Password = o.Password,
            ClientProvidedName = $"{o.ClientName} ({purpose})",
            RequestedConnectionTimeout = o.ConnectTimeout,
            RequestedHeartbeat = o.Heartbeat,
            AutomaticRecoveryEnabled = automaticRecovery,
            TopologyRecoveryEnabled = automaticRecovery,
        };
        if (!string.IsNullOrEmpty(o.Uri))
        {
            // Sets host, port, credentials and vhost, and TLS for amqps.
            factory.Uri = new Uri(o.Uri);
        }

        bool tls = o.Tls.Enabled || factory.Ssl.Enabled;
        var endpoints = Endpoints(o, factory, tls);
        return await factory.CreateConnectionAsync(endpoints, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The nodes to try: the configured list, or the one host.</summary>
    private static List<AmqpTcpEndpoint> Endpoints(BrokerOptions o, ConnectionFactory factory, bool tls)
    {
        int defaultPort = factory.Port > 0 ? factory.Port : tls ? 5671 : 5672;
        IEnumerable<string> hosts = o.Hosts.Count > 0 ? o.Hosts : [$"{factory.HostName}:{defaultPort}"];
        return hosts.Select(h => BrokerHosts.Parse(h, defaultPort)).Select(h => new AmqpTcpEndpoint(h.Host, h.Port, tls ? Tls(o.Tls, h.Host) : new SslOption())).ToList();
    }

    private static SslOption Tls(BrokerTlsOptions tls, string host)
    {
        var option = new SslOption
        {
            Enabled = true,
            ServerName = string.IsNullOrEmpty(tls.ServerName) ? host : tls.ServerName,
        };
        if (!string.IsNullOrEmpty(tls.ClientCertificateFile))
        {
            option.CertPath = tls.ClientCertificateFile;
            option.CertPassphrase = tls.ClientCertificatePassword;
        }

        if (!string.IsNullOrEmpty(tls.CaFile))
        {
            var ca = X509CertificateLoader.LoadCertificateFromFile(tls.CaFile);
            option.CertificateValidationCallback = (_, certificate, _, errors) => TrustedBy(ca, certificate, errors);
        }

        return option;
    }

    /// <summary>The certificate names the server and chains to the configured CA (and to nothing else it needs).</summary>
    private static bool TrustedBy(X509Certificate2 ca, X509Certificate? certificate, SslPolicyErrors errors)
    {
        if (errors == SslPolicyErrors.None)
        {
            return true;
        }

        if (certificate is null || errors.HasFlag(SslPolicyErrors.RemoteCertificateNameMismatch) || errors.HasFlag(SslPolicyErrors.RemoteCertificateNotAvailable))
        {
            return false;
        }

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(ca);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        using var leaf = new X509Certificate2(certificate);
        return chain.Build(leaf);
    }
}
