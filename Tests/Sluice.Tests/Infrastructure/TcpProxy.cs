using System.Net;
using System.Net.Sockets;
using Sluice.Simulator;

namespace Sluice.Tests.Infrastructure;

/// <summary>
/// A loopback TCP proxy in front of the real broker, so a test can take the broker away from one
/// client without stopping the broker every other test uses: <see cref="Stall"/> keeps connections
/// open but stops forwarding (a hung network: the case where a confirm never comes), and
/// <see cref="DisposeAsync"/> cuts every connection and stops listening (a stopped broker).
/// </summary>
public sealed class TcpProxy : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly string _targetHost;
    private readonly int _targetPort;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<TcpClient> _connections = [];
    private readonly Task _acceptLoop;
    private volatile bool _stalled;
    private int _disposed;

    public TcpProxy(string targetHost, int targetPort)
    {
        _targetHost = targetHost;
        _targetPort = targetPort;
        _listener.Start();
        _acceptLoop = AcceptAsync();
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    /// <summary>From now on nothing is forwarded in either direction; sockets stay open.</summary>
    public void Stall() => _stalled = true;

    /// <summary>
    /// Ends a stall: the connections that lived through it are cut (what they swallowed is lost, as after a
    /// long network partition), and new ones are forwarded again.
    /// </summary>
    public void Resume()
    {
        lock (_connections)
        {
            foreach (var connection in _connections)
            {
                connection.Dispose();
            }

            _connections.Clear();
            _stalled = false;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        await _stop.CancelAsync();
        _listener.Stop();
        lock (_connections)
        {
            foreach (var connection in _connections)
            {
                connection.Dispose();
            }
        }

        await _acceptLoop.ConfigureAwait(false);
        _stop.Dispose();
    }

    private Task AcceptAsync() => TcpAcceptLoop.RunAsync(_listener, ConnectUpstreamAsync, _stop.Token);

    private async Task ConnectUpstreamAsync(TcpClient client)
    {
        var upstream = new TcpClient();
        try
        {
            await upstream.ConnectAsync(_targetHost, _targetPort, _stop.Token).ConfigureAwait(false);
            lock (_connections)
            {
                // Streams are taken under the lock Resume cuts connections under, so a cut cannot fall in between.
                var (clientStream, upstreamStream) = (client.GetStream(), upstream.GetStream());
                _connections.Add(client);
                _connections.Add(upstream);
                _ = PumpAsync(clientStream, upstreamStream);
                _ = PumpAsync(upstreamStream, clientStream);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException or InvalidOperationException or IOException)
        {
            // This one connection failed (or the proxy stops): drop it and keep accepting.
            client.Dispose();
            upstream.Dispose();
        }
    }

    private async Task PumpAsync(NetworkStream from, NetworkStream to)
    {
        byte[] buffer = new byte[64 * 1024];
        try
        {
            while (true)
            {
                int read = await from.ReadAsync(buffer, _stop.Token).ConfigureAwait(false);
                if (read == 0)
                {
                    break;
                }

                if (_stalled)
                {
                    // Swallow bytes: the peer sees an open but silent connection.
                    continue;
                }

                await to.WriteAsync(buffer.AsMemory(0, read), _stop.Token).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or ObjectDisposedException or SocketException)
        {
            // connection gone
        }
        finally
        {
            to.Close();
        }
    }
}
