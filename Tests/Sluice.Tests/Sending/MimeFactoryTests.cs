using System.Text;
using MimeKit;
using Sluice.Contracts;
using Sluice.Tests.Infrastructure;
using Sluice.Worker.Sending;

namespace Sluice.Tests.Sending;

public sealed class MimeFactoryTests
{
    [Fact]
    public void The_message_id_is_derived_from_the_producers_id_and_stable()
    {
        var mail = SampleMail.To("ann@one.example");
        string? first = MimeFactory.Create(mail).MessageId;
        Assert.NotNull(first);
        Assert.Equal(first, MimeFactory.Create(mail with { To = [new() { Address = "bob@two.example" }] }).MessageId);
        Assert.NotEqual(first, MimeFactory.Create(mail with { Id = mail.Id + "-2" }).MessageId);
        Assert.EndsWith("@acme.example", first, StringComparison.Ordinal);
    }

    [Fact]
    public void Headers_show_to_and_cc_but_never_bcc()
    {
        var mail = SampleMail.To("ann@one.example") with
        {
            Cc = [new() { Address = "cat@one.example", Name = "Cat" }],
            Bcc = [new() { Address = "hidden@one.example" }],
            Headers = new Dictionary<string, string> { ["X-Ticket-Id"] = "4711" },
            Html = "<p>Hello</p>",
            Attachments = [new MailAttachment { FileName = "a.txt", ContentType = "text/plain", Content = "hi"u8.ToArray() }],
        };

        var message = MimeFactory.Create(mail);
        using var written = new MemoryStream();
        message.WriteTo(written);
        string text = Encoding.UTF8.GetString(written.ToArray());

        Assert.Equal(["ann@one.example"], message.To.Mailboxes.Select(m => m.Address));
        Assert.Equal(["cat@one.example"], message.Cc.Mailboxes.Select(m => m.Address));
        Assert.DoesNotContain("hidden@one.example", text, StringComparison.Ordinal);
        Assert.Equal("4711", message.Headers["X-Ticket-Id"]);
        Assert.Equal("a.txt", Assert.Single(message.Attachments).ContentDisposition?.FileName);
        Assert.Equal("We have answered your ticket.", message.TextBody);
    }

    [Fact]
    public void Producer_mime_is_sent_as_given()
    {
        const string mime = "From: a@acme.example\r\nTo: b@one.example\r\nSubject: Own\r\nMessage-ID: <own-id@acme.example>\r\n\r\nBody\r\n";
        var mail = SampleMail.To("b@one.example") with { Subject = null, Text = null, Mime = Encoding.UTF8.GetBytes(mime) };

        var message = MimeFactory.Create(mail);

        Assert.Equal("own-id@acme.example", message.MessageId);
        Assert.Equal("Own", message.Subject);
    }
}
