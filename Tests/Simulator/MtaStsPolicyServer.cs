using System.Collections.Concurrent;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace Sluice.Simulator;

/// <summary>
/// The <c>https://mta-sts.DOMAIN/.well-known/mta-sts.txt</c> servers of the simulated receivers (RFC 8461 §3.3): one
/// HTTPS listener that answers a GET for the policy path with the policy of the host the request names, as
/// <c>text/plain</c>, and 404 for anything else. One request per connection, enough for a policy fetch.
/// </summary>
public sealed class MtaStsPolicyServer : IAsyncDisposable
{
    private const string PolicyPath = "/.well-known/mta-sts.txt";

    private readonly TcpListener _listener;
    private readonly X509Certificate2 _certificate;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _serving;
    private int _requests;

    private MtaStsPolicyServer(IPAddress address, X509Certificate2 certificate)
    {
        _certificate = certificate;
        _listener = new TcpListener(address, 0);
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _serving = TcpAcceptLoop.RunAsync(_listener, client => { _ = Task.Run(() => ServeAsync(client)); return Task.CompletedTask; }, _stop.Token);
    }

    /// <summary>The policy text by host name (<c>mta-sts.DOMAIN</c>); a test may change one while the server runs.</summary>
    public ConcurrentDictionary<string, string> Policies { get; } = new(StringComparer.OrdinalIgnoreCase);

    public int Port { get; }

    /// <summary>Policy requests answered (any status).</summary>
    public int RequestCount => Volatile.Read(ref _requests);

    /// <summary>Listens on <paramref name="address"/> (a free port) and presents <paramref name="certificate"/> to every client.</summary>
    public static MtaStsPolicyServer Start(string address, X509Certificate2 certificate) => new(IPAddress.Parse(address), certificate);

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        _listener.Stop();
        try
        {
            await _serving.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Stopped.
        }

        _stop.Dispose();
    }

    private async Task ServeAsync(TcpClient client)
    {
        using (client)
        {
            try
            {
                await using var tls = new SslStream(client.GetStream());
                await tls.AuthenticateAsServerAsync(new SslServerAuthenticationOptions { ServerCertificate = _certificate }, _stop.Token).ConfigureAwait(false);
                using var reader = new StreamReader(tls, Encoding.ASCII, leaveOpen: true);
                string requestLine = await reader.ReadLineAsync(_stop.Token).ConfigureAwait(false) ?? string.Empty;
                string? host = null;
                for (string? line = await reader.ReadLineAsync(_stop.Token).ConfigureAwait(false); !string.IsNullOrEmpty(line); line = await reader.ReadLineAsync(_stop.Token).ConfigureAwait(false))
                {
                    if (line.StartsWith("Host:", StringComparison.OrdinalIgnoreCase))
                    {
                        host = line[5..].Trim().Split(':')[0];
                    }
                }

                string[] request = requestLine.Split(' ');
                bool found = request is ["GET", PolicyPath, _] && host is not null && Policies.TryGetValue(host, out _);
                byte[] body = Encoding.ASCII.GetBytes(found ? Policies[host!] : "not found\n");
                string head = $"HTTP/1.1 {(found ? "200 OK" : "404 Not Found")}\r\nContent-Type: text/plain\r\nContent-Length: {body.Length}\r\nConnection: close\r\n\r\n";
                await tls.WriteAsync(Encoding.ASCII.GetBytes(head), _stop.Token).ConfigureAwait(false);
                await tls.WriteAsync(body, _stop.Token).ConfigureAwait(false);
                Interlocked.Increment(ref _requests);
            }
            catch (Exception e) when (e is IOException or OperationCanceledException or System.Security.Authentication.AuthenticationException)
            {
                // A client that went away or refused the certificate: nothing to answer.
            }
        }
    }
}
