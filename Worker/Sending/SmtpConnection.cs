using System.Net;
using System.Net.Sockets;
using MailKit;
using MailKit.Net.Smtp;
using MailKit.Security;
using MimeKit;
using Sluice.Worker.Classification;

namespace Sluice.Worker.Sending;

/// <summary>
/// One SMTP connection to the smarthost, used by one sender at a time (MailKit's client is not
/// thread-safe) and kept open across messages. It reconnects on the next send after anything that
/// leaves the session in doubt: a protocol or I/O error, a timeout, or a refused transaction.
/// </summary>
public sealed class SmtpConnection(SmtpOptions options) : IAsyncDisposable
{
    private RecipientTrackingSmtpClient? _client;

    // Transactions begun on the open connection: a connection that has carried one may have been closed by the
    // server while it sat idle (receivers close idle sessions), which is not a smarthost fault.
    private int _used;

    /// <summary>
    /// Opens the connection if it is not open; returns the failure, or null. The scheduler calls this
    /// before taking a rate permit, so a slow connect never sits between the permit and the RCPT the
    /// receiver counts.
    /// </summary>
    public async Task<Exception?> EnsureConnectedAsync()
    {
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

    public async Task<SendReport> SendAsync(MimeMessage message, string sender, IReadOnlyList<string> recipients)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(recipients);
        var report = await SendOnceAsync(message, sender, recipients).ConfigureAwait(false);
        if (report.ConnectionFailure is not null && report.Reused)
        {
            // The server closed the idle connection (nothing was accepted on it): once more on a new one, which
            // tells a smarthost that is really failing from one that only hung up on an idle session.
            report = await SendOnceAsync(message, sender, recipients).ConfigureAwait(false);
        }

        return report;
    }

    private async Task<SendReport> SendOnceAsync(MimeMessage message, string sender, IReadOnlyList<string> recipients)
    {
        if (await EnsureConnectedAsync().ConfigureAwait(false) is { } connectFailure)
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

    private async Task<RecipientTrackingSmtpClient> ConnectedClientAsync()
    {
        if (_client is { IsConnected: true })
        {
            return _client;
        }

        await DropAsync().ConfigureAwait(false);
        var client = new RecipientTrackingSmtpClient
        {
            Timeout = (int)options.CommandTimeout.TotalMilliseconds,
            CheckCertificateRevocation = options.CheckCertificateRevocation,
        };
        try
        {
            await OpenAsync(client).ConfigureAwait(false);
        }
        catch
        {
            // Half-open (connected, but TLS or AUTH not done as configured): never used, never kept.
            client.Dispose();
            throw;
        }

        _client = client;
        return client;
    }

    /// <summary>Connects, secures and authenticates as configured, naming the step that failed.</summary>
    private async Task OpenAsync(RecipientTrackingSmtpClient client)
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

            await socket.ConnectAsync(options.Host, options.Port, deadline.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException)
        {
            socket.Dispose();
            throw new SmarthostException(e is SocketException ? "connect" : "timeout", $"cannot connect to {options.Host}:{options.Port} ({e.Message})", e);
        }

        try
        {
            await client.ConnectAsync(socket, options.Host, options.Port, SocketOptions(options.Security), deadline.Token).ConfigureAwait(false);
        }
        catch (NotSupportedException e)
        {
            throw new SmarthostException("tls-not-offered", $"{options.Host}:{options.Port} does not offer STARTTLS, and Smtp:Security is {options.Security}: nothing is sent in clear", e);
        }
        catch (SslHandshakeException e)
        {
            throw new SmarthostException("tls-handshake", $"the TLS handshake with {options.Host}:{options.Port} failed ({e.Message})", e);
        }

        if (string.IsNullOrEmpty(options.UserName))
        {
            return;
        }

        try
        {
            await client.AuthenticateAsync(options.UserName, options.Password ?? string.Empty, deadline.Token).ConfigureAwait(false);
        }
        catch (NotSupportedException e)
        {
            throw new SmarthostException("auth-not-offered", $"{options.Host}:{options.Port} does not offer AUTH, and Smtp:UserName is set: nothing is sent unauthenticated", e);
        }
        catch (AuthenticationException e)
        {
            throw new SmarthostException("auth-refused", $"{options.Host}:{options.Port} refused the credentials of {options.UserName} ({e.Message})", e);
        }

        if (!client.IsAuthenticated)
        {
            throw new SmarthostException("auth-refused", $"{options.Host}:{options.Port} did not authenticate {options.UserName}", null);
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
        if (_client is null)
        {
            return;
        }

        var client = _client;
        _client = null;
        _used = 0;
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
