using System.IO.Pipelines;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using SmtpServer;
using SmtpServer.IO;
using SmtpServer.Net;

namespace Sluice.Simulator;

/// <summary>
/// The SmtpServer package's listener, but with TCP_NODELAY on every accepted connection: a receiving MTA
/// answers pipelined commands with several small replies, and with Nagle's algorithm each one after the
/// first waits for the client's delayed ACK (~40 ms), which would make the simulator, not Sluice, the bottleneck.
/// </summary>
internal sealed class NoDelayEndpointListenerFactory : IEndpointListenerFactory
{
    /// <summary>The session's TCP connection, in its context's properties: a rule can hang up on the client.</summary>
    public const string ConnectionKey = "sluice.connection";

    public IEndpointListener CreateListener(IEndpointDefinition endpointDefinition)
    {
        ArgumentNullException.ThrowIfNull(endpointDefinition);
        var listener = new TcpListener(endpointDefinition.Endpoint);
        listener.Start();
        return new NoDelayEndpointListener(listener);
    }

    private sealed class NoDelayEndpointListener(TcpListener listener) : IEndpointListener
    {
        public async Task<ISecurableDuplexPipe> GetPipeAsync(ISessionContext context, CancellationToken cancellationToken)
        {
            ArgumentNullException.ThrowIfNull(context);
            var client = await listener.AcceptTcpClientAsync(cancellationToken).ConfigureAwait(false);
            client.NoDelay = true;
            context.Properties[ConnectionKey] = client;
            return new UpgradablePipe(client);
        }

        public void Dispose() => listener.Stop();
    }

    /// <summary>
    /// A connection that starts in plain text and is upgraded by STARTTLS when the endpoint has a certificate
    /// (<see cref="SimulatorOptions.Certificate"/>): the pipes are made again over the TLS stream.
    /// </summary>
    private sealed class UpgradablePipe(TcpClient client) : ISecurableDuplexPipe
    {
        private Stream _stream = client.GetStream();
        private PipeReader? _input;
        private PipeWriter? _output;

        public PipeReader Input => _input ??= PipeReader.Create(_stream);

        public PipeWriter Output => _output ??= PipeWriter.Create(_stream);

        public bool IsSecure => _stream is SslStream;

        public SslProtocols SslProtocol => (_stream as SslStream)?.SslProtocol ?? SslProtocols.None;

        public async Task UpgradeAsync(X509Certificate certificate, SslProtocols protocols, CancellationToken cancellationToken = default)
        {
            var tls = new SslStream(_stream, leaveInnerStreamOpen: true);
            await tls.AuthenticateAsServerAsync(new SslServerAuthenticationOptions { ServerCertificate = certificate, EnabledSslProtocols = protocols }, cancellationToken).ConfigureAwait(false);
            _stream = tls;
            _input = PipeReader.Create(_stream);
            _output = PipeWriter.Create(_stream);
        }

        public void Dispose()
        {
            _stream.Dispose();
            client.Dispose();
        }
    }
}
