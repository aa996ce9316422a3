using System.Net.Sockets;

namespace Sluice.Simulator;

/// <summary>Accepts connections until stopped and hands each to <c>serve</c>, which must not throw; shared by the test servers.</summary>
public static class TcpAcceptLoop
{
    public static async Task RunAsync(TcpListener listener, Func<TcpClient, Task> serve, CancellationToken stop)
    {
        ArgumentNullException.ThrowIfNull(listener);
        ArgumentNullException.ThrowIfNull(serve);
        while (!stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await listener.AcceptTcpClientAsync(stop).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return; // stopping
            }

            await serve(client).ConfigureAwait(false);
        }
    }
}
