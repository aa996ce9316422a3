using Sluice.Worker.Classification;

namespace Sluice.Worker.Sending;

/// <summary>What happened to one SMTP transaction, recipient by recipient.</summary>
/// <param name="Accepted">Recipients the server took the message for.</param>
/// <param name="Refused">Recipients refused, each with the reply (RCPT, or MAIL/DATA for all of them).</param>
/// <param name="ConnectionFailure">Set when the transaction did not get as far as a reply (connect, TLS, AUTH, I/O, timeout).</param>
/// <param name="Reply">The server's reply to the message data, when it took it.</param>
/// <param name="Uncertain">
/// Set when the session failed after the server had accepted a recipient: the message may have been
/// delivered (a receiver that hangs up after DATA), so sending it again may duplicate it.
/// </param>
public sealed record SendReport(
    IReadOnlyList<string> Accepted, IReadOnlyList<RecipientReply> Refused, Exception? ConnectionFailure = null, Exception? Uncertain = null, SmtpReply? Reply = null)
{
    /// <summary>The failure came on a connection that had carried a transaction before (it may only have gone idle).</summary>
    public bool Reused { get; init; }

    public static SendReport ConnectionFailed(Exception failure) => new([], [], failure);

    public static SendReport UncertainOutcome(Exception failure) => new([], [], null, failure);
}

/// <summary>A recipient and the server's reply for it.</summary>
public sealed record RecipientReply(string Recipient, SmtpReply Reply);
