namespace Sluice.Worker.Sending;

/// <summary>
/// Idle SMTP connections to receivers' MX hosts, shared by an egress's senders (<c>Smtp:Mode=Mx</c>): a sender that
/// moves to another domain leaves its connection here, and whichever sender next has mail for a domain that host
/// serves takes it instead of opening a new session. Bounded: at most <paramref name="maxIdle"/> idle connections
/// (the oldest is closed first), none kept longer than <paramref name="idleTimeout"/> (receivers close idle sessions
/// themselves, and a closed one found here would cost a failed send).
/// </summary>
public sealed class MxConnectionPool(int maxIdle, TimeSpan idleTimeout, TimeProvider time) : IAsyncDisposable
{
    private readonly Lock _gate = new();
    private readonly LinkedList<Idle> _idle = [];

    /// <summary>
    /// An idle, still connected connection to one of <paramref name="hosts"/> (checked against its certificate when
    /// <paramref name="verified"/> is asked), the most recently parked first; null when there is none.
    /// </summary>
    internal async Task<(RecipientTrackingSmtpClient Client, string Host, bool Verified)?> TakeAsync(IReadOnlyCollection<string> hosts, bool verified)
    {
        ArgumentNullException.ThrowIfNull(hosts);
        var stale = new List<RecipientTrackingSmtpClient>();
        (RecipientTrackingSmtpClient, string, bool)? found = null;
        lock (_gate)
        {
            Expire(stale);
            for (var node = _idle.Last; node is not null; node = node.Previous)
            {
                var idle = node.Value;
                if ((idle.Verified || !verified) && hosts.Contains(idle.Host, StringComparer.OrdinalIgnoreCase))
                {
                    _idle.Remove(node);
                    if (idle.Client.IsConnected)
                    {
                        found = (idle.Client, idle.Host, idle.Verified);
                        break;
                    }

                    stale.Add(idle.Client);
                }
            }
        }

        await CloseAsync(stale).ConfigureAwait(false);
        return found;
    }

    /// <summary>Keeps a connection that is between transactions for another sender; closes the oldest beyond the bound.</summary>
    internal async Task ParkAsync(RecipientTrackingSmtpClient client, string host, bool verified)
    {
        ArgumentNullException.ThrowIfNull(client);
        var closing = new List<RecipientTrackingSmtpClient>();
        lock (_gate)
        {
            _idle.AddLast(new Idle(client, host, verified, time.GetTimestamp()));
            Expire(closing);
            while (_idle.Count > maxIdle)
            {
                closing.Add(_idle.First!.Value.Client);
                _idle.RemoveFirst();
            }
        }

        await CloseAsync(closing).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        List<RecipientTrackingSmtpClient> all;
        lock (_gate)
        {
            all = [.. _idle.Select(i => i.Client)];
            _idle.Clear();
        }

        await CloseAsync(all).ConfigureAwait(false);
    }

    private void Expire(List<RecipientTrackingSmtpClient> closing)
    {
        while (_idle.First is { } oldest && time.GetElapsedTime(oldest.Value.Since) >= idleTimeout)
        {
            closing.Add(oldest.Value.Client);
            _idle.RemoveFirst();
        }
    }

    private static async Task CloseAsync(List<RecipientTrackingSmtpClient> clients)
    {
        foreach (var client in clients)
        {
            await SmtpConnection.CloseAsync(client).ConfigureAwait(false);
        }
    }

    private sealed record Idle(RecipientTrackingSmtpClient Client, string Host, bool Verified, long Since);
}
