using System.Net;
using System.Net.Sockets;
using MailKit;
using MailKit.Net.Smtp;
using MailKit.Security;
using MimeKit;
using Sluice.Worker.Classification;
using Sluice.Worker.Sending.MtaSts;

namespace Sluice.Worker.Sending;

/// <summary>
/// One SMTP connection, used by one sender at a time (MailKit's client is not thread-safe) and kept open across
/// messages: to the smarthost, or (<see cref="SmtpMode.Mx"/>) to the MX host of the domain being sent to, kept while
/// the next message goes to a domain that host serves. It reconnects on the next send after anything that leaves the
/// session in doubt: a protocol or I/O error, a timeout, or a refused transaction.
/// <para>
/// Delivering to MX hosts, a failure to reach them is the receiver's, not the egress's: it comes back as a refusal of
/// every recipient with the reply that stands for it (4.4.1 no host answered, 4.4.2 the connection was lost, or the
/// resolver's), so it waits its retry within its partition while the rest of the egress goes on. A domain whose
/// MTA-STS policy is enforced (RFC 8461) gets its mail only from an MX host the policy names, over STARTTLS with a
/// certificate valid for that host; when none qualifies, its mail is deferred with 4.7.5 and never sent in clear.
/// </para>
/// </summary>
/// <param name="options">The egress's SMTP settings.</param>
/// <param name="mx">Where domains' mail goes, in <see cref="SmtpMode.Mx"/>.</param>
/// <param name="mtaSts">Receivers' MTA-STS policies, in <see cref="SmtpMode.Mx"/>.</param>
/// <param name="pool">The egress's idle MX connections: where this one parks a connection it moves away from, and looks first.</param>
public sealed class SmtpConnection(SmtpOptions options, MxResolver? mx = null, MtaStsPolicies? mtaSts = null, MxConnectionPool? pool = null) : IAsyncDisposable
{
    private RecipientTrackingSmtpClient? _client;

    // Delivering to MX hosts: the host the open connection goes to, and whether its certificate was checked for it.
    private string? _host;
    private bool _verified;

    // Transactions begun on the open connection: a connection that has carried one may have been closed by the
    // server while it sat idle (receivers close idle sessions), which is not a smarthost fault.
    private int _used;

    // Delivering to MX hosts: the domain EnsureConnectedAsync just connected for. The send that follows uses that
    // connection as it is instead of resolving the domain's MX and MTA-STS policy a second time; one send only, so the
    // next message to the domain sees a changed route.
    private string? _connectedFor;

    /// <summary>True when this connection delivers straight to the receivers' MX hosts.</summary>
    public bool DirectToReceivers => options.Mode == SmtpMode.Mx;

    /// <summary>
    /// Opens the connection if it is not open; returns the failure, or null. The scheduler calls this
    /// before taking a rate permit, so a slow connect never sits between the permit and the RCPT the
    /// receiver counts. Delivering to MX hosts, it connects to one of <paramref name="domain"/>'s and never
    /// fails: a host that cannot be reached is the send's refusal.
    /// </summary>
    public async Task<Exception?> EnsureConnectedAsync(string? domain = null)
    {
        if (DirectToReceivers)
        {
            _connectedFor = await ConnectToReceiverAsync(domain).ConfigureAwait(false) is null ? domain : null;
            return null;
        }

        try
        {
            await ConnectedClientAsync().ConfigureAwait(false);
            return null;
        }
        catch (Exception e) when (SmarthostException.IsConnectionFailure(e) || e is SmtpCommandException or NotSupportedException)
        {
            await DropAsync().ConfigureAwait(false);
            return e as SmarthostException ?? new SmarthostException("connect", $"the smarthost refused the session ({e.Message})", e);
        }
    }

    /// <summary>Sends one transaction; what each recipient's reply was, or why there was none.</summary>
    /// <param name="message">The message as it goes out.</param>
    /// <param name="sender">The envelope sender (MAIL FROM).</param>
    /// <param name="recipients">The envelope recipients (RCPT TO).</param>
    /// <param name="domain">The recipients' domain (every egress copy has one): where the message goes when delivering to MX hosts.</param>
    public async Task<SendReport> SendAsync(MimeMessage message, string sender, IReadOnlyList<string> recipients, string? domain = null)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(recipients);
        var report = await SendOnceAsync(message, sender, recipients, domain).ConfigureAwait(false);
        if (report.ConnectionFailure is not null && report.Reused)
        {
            // The server closed the idle connection (nothing was accepted on it): once more on a new one, which
            // tells a smarthost that is really failing from one that only hung up on an idle session.
            report = await SendOnceAsync(message, sender, recipients, domain).ConfigureAwait(false);
        }

        if (DirectToReceivers && report.ConnectionFailure is { } lost)
        {
            // The receiver's host failed mid-session before it took anything: a deferral of this domain's mail only.
            return RefuseAll(recipients, SmtpReply.From(451, $"4.4.2 the connection to {_host ?? domain} failed ({lost.Message})"));
        }

        return report;
    }

    private async Task<SendReport> SendOnceAsync(MimeMessage message, string sender, IReadOnlyList<string> recipients, string? domain)
    {
        bool connectedAlready = _connectedFor is not null && _connectedFor.Equals(domain, StringComparison.OrdinalIgnoreCase) && _client is { IsConnected: true };
        _connectedFor = null;
        if (DirectToReceivers && !connectedAlready)
        {
            if (await ConnectToReceiverAsync(domain).ConfigureAwait(false) is { } refusal)
            {
                return RefuseAll(recipients, refusal);
            }
        }
        else if (!DirectToReceivers && await EnsureConnectedAsync().ConfigureAwait(false) is { } connectFailure)
        {
            return SendReport.ConnectionFailed(connectFailure);
        }

        var client = _client!;
        bool reused = _used++ > 0;
        client.BeginTransaction();
        try
        {
            // Deadlines: MailKit's Timeout bounds every read and write of the transaction.
            string reply = await client.SendAsync(message, new MailboxAddress(string.Empty, sender),
                recipients.Select(r => new MailboxAddress(string.Empty, r))).ConfigureAwait(false);
            return Report(client, recipients, wholeTransaction: null) with { Reply = SmtpReply.From(250, reply) };
        }
        catch (NoRecipientsAcceptedException)
        {
            await DropAsync().ConfigureAwait(false);
            return Report(client, recipients, wholeTransaction: null);
        }
        catch (SmtpCommandException e)
        {
            // MAIL FROM or DATA refused: the reply applies to every recipient not already refused.
            await DropAsync().ConfigureAwait(false);
            return Report(client, recipients, SmtpReply.From((int)e.StatusCode, e.Message));
        }
        catch (Exception e) when (SmarthostException.IsConnectionFailure(e))
        {
            await DropAsync().ConfigureAwait(false);

            // Before any recipient was accepted nothing can have been delivered: the smarthost failed. After, the
            // data may have arrived and only the reply was lost: the outcome is uncertain, an attempt of this message.
            return client.Accepted > 0 ? SendReport.UncertainOutcome(e) : SendReport.ConnectionFailed(SmarthostException.From(e)) with { Reused = reused };
        }
    }

    public async ValueTask DisposeAsync()
    {
        await DropAsync().ConfigureAwait(false);
    }

    private static SendReport Report(RecipientTrackingSmtpClient client, IReadOnlyList<string> recipients, SmtpReply? wholeTransaction)
    {
        var refused = client.Refused
            .Select(r => new RecipientReply(r.Recipient, SmtpReply.From((int)r.Response.StatusCode, r.Response.Response)))
            .ToList();
        var refusedSet = refused.Select(r => r.Recipient).ToHashSet(StringComparer.OrdinalIgnoreCase);
        var rest = recipients.Where(r => !refusedSet.Contains(r)).ToList();
        if (wholeTransaction is not null)
        {
            refused.AddRange(rest.Select(r => new RecipientReply(r, wholeTransaction)));
            rest = [];
        }

        return new SendReport(rest, refused);
    }

    private static SendReport RefuseAll(IReadOnlyList<string> recipients, SmtpReply reply) =>
        new([], [.. recipients.Select(r => new RecipientReply(r, reply))]);

    private async Task<RecipientTrackingSmtpClient> ConnectedClientAsync()
    {
        if (_client is { IsConnected: true })
        {
            return _client;
        }

        await DropAsync().ConfigureAwait(false);
        _client = await OpenClientAsync(options.Host, address: null, options.Port).ConfigureAwait(false);
        return _client;
    }

    /// <summary>
    /// Delivering to MX hosts: keeps the open connection when its host serves <paramref name="domain"/>, else connects to
    /// the domain's hosts in preference order, each address in turn. Null when connected; else the reply that stands
    /// for why not (the resolver's, or 4.4.1 when no host answered).
    /// </summary>
    private async Task<SmtpReply?> ConnectToReceiverAsync(string? domain)
    {
        ArgumentException.ThrowIfNullOrEmpty(domain);
        var route = await (mx ?? throw new InvalidOperationException("Smtp:Mode is Mx, but no MX resolver was given")).ResolveAsync(domain, CancellationToken.None).ConfigureAwait(false);
        if (route.Refusal is { } refusal)
        {
            return refusal;
        }

        var policy = mtaSts is null ? null : await mtaSts.ForAsync(domain, CancellationToken.None).ConfigureAwait(false);
        bool enforced = policy?.Mode == MtaStsMode.Enforce;
        IReadOnlyList<MxHost> hosts = enforced ? [.. route.Hosts.Where(h => policy!.Allows(h.Name))] : route.Hosts;
        if (hosts.Count == 0)
        {
            return SmtpReply.From(451, $"4.7.5 the MTA-STS policy of {domain} names none of its MX hosts ({string.Join(", ", route.Hosts.Select(h => h.Name))}; policy: {string.Join(", ", policy!.Mx)})");
        }

        if (_client is { IsConnected: true } && (_verified || !enforced) && hosts.Any(h => h.Name.Equals(_host, StringComparison.OrdinalIgnoreCase)))
        {
            return null;
        }

        // Moving to another host: a pooled connection to one of these hosts is taken before a new one is opened, and the
        // open connection waits in the pool for the next sender with mail for its host (taken first, so parking cannot
        // push out the very connection wanted).
        var pooled = pool is null ? null : await pool.TakeAsync([.. hosts.Select(h => h.Name)], verified: enforced).ConfigureAwait(false);
        if (pool is not null && _client is { IsConnected: true } && _host is { } openHost)
        {
            bool verified = _verified;
            await pool.ParkAsync(Detach()!, openHost, verified).ConfigureAwait(false);
        }

        if (pooled is { } reuse)
        {
            await DropAsync().ConfigureAwait(false);
            (_client, _host, _verified, _used) = (reuse.Client, reuse.Host, reuse.Verified, 1);
            return null;
        }

        await DropAsync().ConfigureAwait(false);
        string? last = null;
        foreach (var host in hosts)
        {
            foreach (var address in host.Addresses)
            {
                try
                {
                    _client = await OpenClientAsync(host.Name, address, options.MxPort, verifyTls: enforced).ConfigureAwait(false);
                    _host = host.Name;
                    _verified = enforced;
                    return null;
                }
                catch (Exception e) when (SmarthostException.IsConnectionFailure(e) || e is SmtpCommandException or NotSupportedException)
                {
                    // RFC 5321 §5.1: a host that cannot be reached, or refuses the session, sends the client to the next.
                    last = $"{host.Name} [{address}]: {e.Message}";
                }
            }
        }

        return enforced
            ? SmtpReply.From(451, $"4.7.5 no MX host of {domain} that its MTA-STS policy allows took a session over TLS with a certificate valid for it (last: {last})")
            : SmtpReply.From(451, $"4.4.1 no mail host of {domain} answered (last: {last})");
    }

    /// <param name="host">The name the server is asked for (and its certificate checked against).</param>
    /// <param name="address">Where it is, when resolved already.</param>
    /// <param name="port">Its port.</param>
    /// <param name="verifyTls">STARTTLS required and the certificate checked, whatever <c>Smtp:Security</c> says (an enforced MTA-STS policy).</param>
    private async Task<RecipientTrackingSmtpClient> OpenClientAsync(string host, IPAddress? address, int port, bool verifyTls = false)
    {
        var client = new RecipientTrackingSmtpClient
        {
            Timeout = (int)options.CommandTimeout.TotalMilliseconds,
            CheckCertificateRevocation = options.CheckCertificateRevocation,
        };
        var security = verifyTls ? SmtpSecurity.StartTlsRequired : options.EffectiveSecurity;
        if (DirectToReceivers && security == SmtpSecurity.StartTlsRequired && mtaSts is not null)
        {
            // Checked: the system's roots, and the extra ones MtaSts:TrustedCertificatesFile names.
            client.ServerCertificateValidationCallback = (_, certificate, chain, errors) => mtaSts.Trust.IsValid(certificate, chain, errors);
        }
        else if (DirectToReceivers && security == SmtpSecurity.StartTlsWhenAvailable)
        {
            // Opportunistic TLS to an MX host (RFC 7435): encryption against passive listeners, the certificate not
            // checked, as every MTA does without a policy that says otherwise.
#pragma warning disable CA5359 // Deliberate: opportunistic TLS authenticates nobody (RFC 7435 §3); StartTlsRequired checks certificates.
            client.ServerCertificateValidationCallback = (_, _, _, _) => true;
#pragma warning restore CA5359
        }

        try
        {
            await OpenAsync(client, host, address, port, security).ConfigureAwait(false);
            return client;
        }
        catch
        {
            // Half-open (connected, but TLS or AUTH not done as configured): never used, never kept.
            client.Dispose();
            throw;
        }
    }

    /// <summary>Connects, secures and authenticates as configured, naming the step that failed.</summary>
    private async Task OpenAsync(RecipientTrackingSmtpClient client, string host, IPAddress? address, int port, SmtpSecurity security)
    {
        if (!string.IsNullOrEmpty(options.HeloName))
        {
            client.LocalDomain = options.HeloName;
        }

        using var deadline = new CancellationTokenSource(options.ConnectTimeout);
        // SMTP is small writes answered by small replies: without TCP_NODELAY, Nagle's algorithm and
        // delayed ACKs add ~40 ms to every transaction (measured against the simulator on loopback).
        var local = string.IsNullOrEmpty(options.LocalAddress) ? null : IPAddress.Parse(options.LocalAddress);
        var socket = local is null
            ? new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true }
            : new Socket(local.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            if (local is not null)
            {
                socket.Bind(new IPEndPoint(local, 0));
            }

            if (address is null)
            {
                await socket.ConnectAsync(host, port, deadline.Token).ConfigureAwait(false);
            }
            else
            {
                await socket.ConnectAsync(address, port, deadline.Token).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException)
        {
            socket.Dispose();
            throw new SmarthostException(e is SocketException ? "connect" : "timeout", $"cannot connect to {host}:{port} ({e.Message})", e);
        }

        try
        {
            await client.ConnectAsync(socket, host, port, SocketOptions(security), deadline.Token).ConfigureAwait(false);
        }
        catch (NotSupportedException e)
        {
            throw new SmarthostException("tls-not-offered", $"{host}:{port} does not offer STARTTLS, and {(security == options.EffectiveSecurity ? $"Smtp:Security is {security}" : "its domain's MTA-STS policy is enforced")}: nothing is sent in clear", e);
        }
        catch (SslHandshakeException e)
        {
            throw new SmarthostException("tls-handshake", $"the TLS handshake with {host}:{port} failed ({e.Message})", e);
        }

        if (string.IsNullOrEmpty(options.UserName) || DirectToReceivers)
        {
            return;
        }

        try
        {
            await client.AuthenticateAsync(options.UserName, options.Password ?? string.Empty, deadline.Token).ConfigureAwait(false);
        }
        catch (NotSupportedException e)
        {
            throw new SmarthostException("auth-not-offered", $"{host}:{port} does not offer AUTH, and Smtp:UserName is set: nothing is sent unauthenticated", e);
        }
        catch (AuthenticationException e)
        {
            throw new SmarthostException("auth-refused", $"{host}:{port} refused the credentials of {options.UserName} ({e.Message})", e);
        }

        if (!client.IsAuthenticated)
        {
            throw new SmarthostException("auth-refused", $"{host}:{port} did not authenticate {options.UserName}", null);
        }
    }

    private static SecureSocketOptions SocketOptions(SmtpSecurity security) => security switch
    {
        SmtpSecurity.StartTlsRequired => SecureSocketOptions.StartTls,
        SmtpSecurity.StartTlsWhenAvailable => SecureSocketOptions.StartTlsWhenAvailable,
        SmtpSecurity.Tls => SecureSocketOptions.SslOnConnect,
        _ => SecureSocketOptions.None,
    };

    private async Task DropAsync()
    {
        if (Detach() is { } client)
        {
            await CloseAsync(client).ConfigureAwait(false);
        }
    }

    /// <summary>Lets go of the open client (to close it, or to leave it in the pool) and forgets what was known about it.</summary>
    private RecipientTrackingSmtpClient? Detach()
    {
        var client = _client;
        _client = null;
        _host = null;
        _verified = false;
        _used = 0;
        _connectedFor = null;
        return client;
    }

    /// <summary>Says QUIT (briefly) and disposes the client; a connection already broken is just disposed.</summary>
    internal static async Task CloseAsync(RecipientTrackingSmtpClient client)
    {
        try
        {
            if (client.IsConnected)
            {
                using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                await client.DisconnectAsync(quit: true, deadline.Token).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (SmarthostException.IsConnectionFailure(e) || e is SmtpCommandException)
        {
            // Closing a connection that is already broken: nothing to save.
        }
        finally
        {
            client.Dispose();
        }
    }
}
