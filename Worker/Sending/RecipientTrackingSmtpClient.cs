using MailKit.Net.Smtp;
using MimeKit;

namespace Sluice.Worker.Sending;

/// <summary>
/// A MailKit client that does not abort the transaction when one recipient is refused: refusals are
/// collected so the other recipients still get the message, and each refusal is classified on its own.
/// </summary>
internal sealed class RecipientTrackingSmtpClient : SmtpClient
{
    private readonly List<(string Recipient, SmtpResponse Response)> _refused = [];

    public IReadOnlyList<(string Recipient, SmtpResponse Response)> Refused => _refused;

    /// <summary>Recipients the server accepted in this transaction so far: once there is one, DATA may have been delivered.</summary>
    public int Accepted { get; private set; }

    public void BeginTransaction()
    {
        _refused.Clear();
        Accepted = 0;
    }

    protected override void OnRecipientAccepted(MimeMessage message, MailboxAddress mailbox, SmtpResponse response)
    {
        Accepted++;
        base.OnRecipientAccepted(message, mailbox, response);
    }

    protected override void OnRecipientNotAccepted(MimeMessage message, MailboxAddress mailbox, SmtpResponse response)
    {
        ArgumentNullException.ThrowIfNull(mailbox);
        _refused.Add((mailbox.Address, response));
    }

    /// <summary>MailKit's contract: with <see cref="OnRecipientNotAccepted"/> not throwing, this must.</summary>
    protected override void OnNoRecipientsAccepted(MimeMessage message) => throw new NoRecipientsAcceptedException();
}

/// <summary>Every recipient of a transaction was refused (their replies are in <see cref="RecipientTrackingSmtpClient.Refused"/>).</summary>
internal sealed class NoRecipientsAcceptedException : Exception
{
    public NoRecipientsAcceptedException()
        : base("The server refused every recipient.")
    {
    }

    public NoRecipientsAcceptedException(string message)
        : base(message)
    {
    }

    public NoRecipientsAcceptedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
