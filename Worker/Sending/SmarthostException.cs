using System.Net.Sockets;
using MailKit;
using MailKit.Net.Smtp;
using MailKit.Security;

namespace Sluice.Worker.Sending;

/// <summary>
/// The smarthost, not a message, failed: it could not be reached, did not offer or complete TLS or AUTH
/// as configured, or broke the protocol. The egress backs off and every message stays. <see cref="Kind"/>
/// is a short word for status, metrics and the one log line.
/// </summary>
public sealed class SmarthostException : Exception
{
    public SmarthostException()
    {
        Kind = "unknown";
    }

    public SmarthostException(string message)
        : base(message)
    {
        Kind = "unknown";
    }

    public SmarthostException(string message, Exception innerException)
        : base(message, innerException)
    {
        Kind = "unknown";
    }

    public SmarthostException(string kind, string message, Exception? innerException)
        : base(message, innerException)
    {
        Kind = kind;
    }

    /// <summary>connect, tls-not-offered, tls-handshake, auth-not-offered, auth-refused, timeout, protocol or io.</summary>
    public string Kind { get; }

    /// <summary>True for the failures that say nothing about the message being sent.</summary>
    public static bool IsConnectionFailure(Exception e) =>
        e is SmarthostException or IOException or SocketException or SmtpProtocolException or ServiceNotConnectedException
            or SslHandshakeException or AuthenticationException or OperationCanceledException or TimeoutException
            or ServiceNotAuthenticatedException;

    /// <summary>Names a failure of an established session (or passes a classified one through).</summary>
    public static SmarthostException From(Exception e) => e switch
    {
        SmarthostException known => known,
        OperationCanceledException or TimeoutException => new("timeout", $"the smarthost did not answer in time ({e.Message})", e),
        SmtpProtocolException => new("protocol", $"the smarthost broke the SMTP protocol ({e.Message})", e),
        SocketException => new("connect", $"the smarthost could not be reached ({e.Message})", e),
        _ => new("io", $"the connection to the smarthost failed ({e.Message})", e),
    };
}
