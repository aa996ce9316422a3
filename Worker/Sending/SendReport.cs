using Sluice.Worker.Classification;

namespace Sluice.Worker.Sending;

/// <summary>What happened to one SMTP transaction, recipient by recipient.</summary>
/// <param name="Accepted">Recipients the server took the message for.</param>
/// <param name="Refused">Recipients refused, each with the reply (RCPT, or MAIL/DATA for all of them).</param>
/// <param name="ConnectionFailure">Set when the transaction did not get as far as a reply (connect, TLS, AUTH, I/O, timeout).</param>
public sealed record SendReport(IReadOnlyList<string> Accepted, IReadOnlyList<RecipientReply> Refused, Exception? ConnectionFailure = null)
{
    public static SendReport ConnectionFailed(Exception failure) => new([], [], failure);
}

/// <summary>A recipient and the server's reply for it.</summary>
public sealed record RecipientReply(string Recipient, SmtpReply Reply);
