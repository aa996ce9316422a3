using System.Globalization;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Options;
using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;
using Sluice.Contracts.Publishing;
using Sluice.Simulator;
using Sluice.Tests.Infrastructure;
using Sluice.Worker.Broker;

namespace Sluice.Tests.Broker;

/// <summary>A broker that speaks only TLS (amqps), with a certificate from a CA the test makes.</summary>
public sealed class BrokerTlsTests
{
    private static readonly TimeSpan HangGuard = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task The_worker_reaches_a_tls_only_broker_by_amqps_uri_and_its_ca_and_refuses_an_untrusted_certificate()
    {
        string directory = Directory.CreateTempSubdirectory("sluice-tls-").FullName;
        try
        {
            await RunAsync(directory);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    private static async Task RunAsync(string directory)
    {
        string caFile = WriteCertificates(directory);

        // The node runs as the rabbitmq user: it must be able to read what the test wrote.
        Assert.Equal(0, (await ExternalCommand.RunAsync("chmod", ["-R", "a+rX", directory])).ExitCode);
        await using var node = await LocalRabbitNode.StartAsync("tls", tls: true,
            $"ssl_options.cacertfile = {directory}/ca.pem", $"ssl_options.certfile = {directory}/server.pem",
            $"ssl_options.keyfile = {directory}/server.key", "ssl_options.verify = verify_none", "ssl_options.fail_if_no_peer_cert = false");
        string uri = $"amqps://guest:guest@localhost:{node.AmqpPort.ToString(CultureInfo.InvariantCulture)}/";

        // Without the CA the broker's certificate is not trusted: no connection, and no fallback to plain text.
        var untrusted = new BrokerConnector(Options.Create(new BrokerOptions { Uri = uri }));
        await Assert.ThrowsAsync<BrokerUnreachableException>(() => untrusted.ConnectAsync("test", CancellationToken.None));

        await using var simulator = ReceivingSimulator.Start(new SimulatorOptions { Port = 0 });
        var configuration = PipelineConfiguration.For([new("Broker:Uri", uri), new("Broker:Tls:CaFile", caFile)], new FixedPort(simulator.Port));
        await using var worker = await InProcessWorker.StartAsync(configuration);
        var trusted = new BrokerConnector(Options.Create(new BrokerOptions { Uri = uri, Tls = new BrokerTlsOptions { CaFile = caFile } }));
        await using var connection = await trusted.ConnectAsync("test producer", CancellationToken.None);
        Assert.True(connection.Endpoint.Ssl.Enabled);
        await using var publisher = await OutboundMailPublisher.CreateAsync(connection);

        var mails = await MailLoad.PublishAsync(publisher, ["one.example"], perDomain: 3);
        await simulator.WaitUntilAsync(s => s.DeliveredCount >= mails.Count, HangGuard);
        Assert.Equal(mails.Count, RecordAnalysis.Deliveries(simulator.Records).Count);
    }

    /// <summary>A CA and a server certificate for localhost signed by it, as PEM files; returns the CA's path.</summary>
    private static string WriteCertificates(string directory)
    {
        using var authority = new TestCertificateAuthority();
        using var server = authority.Issue(["localhost"], System.Net.IPAddress.Loopback);
        File.WriteAllText(Path.Combine(directory, "server.pem"), server.ExportCertificatePem());
        File.WriteAllText(Path.Combine(directory, "server.key"), server.GetRSAPrivateKey()!.ExportPkcs8PrivateKeyPem());
        return authority.WriteRootPem(directory);
    }
}
