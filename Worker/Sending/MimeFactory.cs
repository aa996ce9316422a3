using MimeKit;
using Sluice.Contracts;

namespace Sluice.Worker.Sending;

/// <summary>Builds the RFC 5322 message from the contract, or takes the producer's own MIME as it is.</summary>
public static class MimeFactory
{
    public static MimeMessage Create(OutboundMail mail)
    {
        ArgumentNullException.ThrowIfNull(mail);
        return mail.Mime is { } mime ? FromProducerMime(mail, mime) : Render(mail);
    }

    private static MimeMessage FromProducerMime(OutboundMail mail, byte[] mime)
    {
        using var stream = new MemoryStream(mime, writable: false);
        var message = MimeMessage.Load(stream);

        // Sent as given; only a missing Message-ID is filled in, so duplicates stay recognisable.
        if (string.IsNullOrEmpty(message.MessageId))
        {
            message.MessageId = MessageIdentity.For(mail.Id, mail.From.Address);
        }

        return message;
    }

    private static MimeMessage Render(OutboundMail mail)
    {
        var message = new MimeMessage
        {
            Subject = mail.Subject ?? string.Empty,
            Date = mail.CreatedAt,
            MessageId = MessageIdentity.For(mail.Id, mail.From.Address),
        };
        message.From.Add(Mailbox(mail.From));
        message.To.AddRange(mail.To.Select(Mailbox));
        message.Cc.AddRange(mail.Cc.Select(Mailbox));
        if (mail.ReplyTo is not null)
        {
            message.ReplyTo.Add(Mailbox(mail.ReplyTo));
        }

        // Bcc recipients are in the envelope only: never in a header.
        foreach (var (name, value) in mail.Headers)
        {
            message.Headers.Add(name, value);
        }

        var body = new BodyBuilder { TextBody = mail.Text, HtmlBody = mail.Html };
        foreach (var attachment in mail.Attachments)
        {
            body.Attachments.Add(attachment.FileName, attachment.Content, ContentType.Parse(attachment.ContentType));
        }

        message.Body = body.ToMessageBody();
        return message;
    }

    private static MailboxAddress Mailbox(EmailAddress address) => new(address.Name ?? string.Empty, address.Address);
}
