using System.IO.Pipelines;
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
            return new PlainPipe(client);
        }

        public void Dispose() => listener.Stop();
    }

    /// <summary>A plain-text connection (the simulator does not offer STARTTLS).</summary>
    private sealed class PlainPipe(TcpClient client) : ISecurableDuplexPipe
    {
        private readonly NetworkStream _stream = client.GetStream();

        public PipeReader Input => field ??= PipeReader.Create(_stream);

        public PipeWriter Output => field ??= PipeWriter.Create(_stream);

        public bool IsSecure => false;

        public SslProtocols SslProtocol => SslProtocols.None;

        public Task UpgradeAsync(X509Certificate certificate, SslProtocols protocols, CancellationToken cancellationToken = default) =>
            throw new NotSupportedException("The simulator does not offer TLS.");

        public void Dispose() => client.Dispose();
    }
}
