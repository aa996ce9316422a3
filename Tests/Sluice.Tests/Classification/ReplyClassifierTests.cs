using Microsoft.Extensions.Options;
using Sluice.Worker.Classification;

namespace Sluice.Tests.Classification;

public sealed class ReplyClassifierTests
{
    private static readonly ReplyClassifier Defaults = new(Options.Create(new ClassificationOptions()));

    [Theory]
    [InlineData(250, "2.0.0 OK 1732790000 queued", DeliveryOutcome.Delivered)]
    [InlineData(451, "4.7.500 Server busy. Please try again later from [203.0.113.7]. (AS761)", DeliveryOutcome.Throttled)]
    [InlineData(451, "4.7.650 The mail server [203.0.113.7] has been temporarily rate limited due to IP reputation.", DeliveryOutcome.Throttled)]
    [InlineData(421, "4.7.28 Our system has detected an unusual rate of unsolicited mail originating from your IP address.", DeliveryOutcome.Throttled)]
    [InlineData(421, "4.7.0 [TSS04] Messages from 203.0.113.7 temporarily deferred due to unexpected volume or user complaints", DeliveryOutcome.Throttled)]
    [InlineData(451, "4.3.0 Temporary failure, please try again later.", DeliveryOutcome.Deferred)]
    [InlineData(452, "4.5.3 Too many recipients", DeliveryOutcome.SplitAndRetry)]
    [InlineData(451, "4.7.850 Access denied, the sending IP [203.0.113.7] is temporarily blocked.", DeliveryOutcome.Banned)]
    [InlineData(550, "5.2.121 Recipient's per hour message receive limit from specific sender exceeded.", DeliveryOutcome.Throttled)]
    [InlineData(550, "5.2.122 Recipient's per hour message receive limit from unknown senders exceeded.", DeliveryOutcome.Throttled)]
    [InlineData(450, "4.2.1 The user you are trying to contact is receiving mail at a rate that prevents additional messages from being delivered.", DeliveryOutcome.Throttled)]
    [InlineData(550, "5.7.1 [203.0.113.7] Our system has detected that this message is likely unsolicited mail. To reduce the amount of spam sent to Gmail, this message has been blocked.", DeliveryOutcome.Banned)]
    [InlineData(553, "5.7.1 [TS03] All messages from 203.0.113.7 will be permanently deferred; Retrying will NOT succeed.", DeliveryOutcome.Banned)]
    [InlineData(421, "4.7.0 [TSS05] Messages from 203.0.113.7 temporarily deferred due to user complaints", DeliveryOutcome.Throttled)]
    [InlineData(554, "5.7.9 Message not accepted for policy reasons.", DeliveryOutcome.Failed)]
    [InlineData(550, "5.7.705 Access denied, tenant has exceeded threshold.", DeliveryOutcome.Banned)]
    [InlineData(550, "5.7.708 Service unavailable. Access denied, traffic not accepted from this IP.", DeliveryOutcome.Banned)]
    [InlineData(550, "5.7.606 Access denied, banned sending IP [203.0.113.7].", DeliveryOutcome.Banned)]
    [InlineData(550, "5.7.649 Access denied, banned sending IP.", DeliveryOutcome.Banned)]
    [InlineData(550, "5.7.650 Access denied.", DeliveryOutcome.Failed)]
    [InlineData(550, "5.1.1 The email account that you tried to reach does not exist.", DeliveryOutcome.Failed)]
    [InlineData(554, "5.7.1 Message rejected", DeliveryOutcome.Failed)]
    public void Default_table_classifies_real_replies(int code, string text, DeliveryOutcome expected)
    {
        Assert.Equal(expected, Defaults.Classify(SmtpReply.From(code, text)).Outcome);
    }

    [Fact]
    public void Configured_rows_replace_the_defaults_and_the_first_match_wins()
    {
        var classifier = new ReplyClassifier(Options.Create(new ClassificationOptions
        {
            Rules =
            [
                new ReplyRule { Enhanced = "4.5.3", Outcome = DeliveryOutcome.Throttled, CoolDown = TimeSpan.FromSeconds(30) },
                new ReplyRule { Code = "4xx", Outcome = DeliveryOutcome.Failed },
            ],
        }));

        var tooMany = classifier.Classify(SmtpReply.From(452, "4.5.3 Too many recipients"));
        Assert.Equal(DeliveryOutcome.Throttled, tooMany.Outcome);
        Assert.Equal(TimeSpan.FromSeconds(30), tooMany.CoolDown);
        Assert.Equal(DeliveryOutcome.Failed, classifier.Classify(SmtpReply.From(451, "4.7.500 Server busy")).Outcome);
        Assert.Equal(DeliveryOutcome.Delivered, classifier.Classify(SmtpReply.From(250, "OK")).Outcome);
    }

    [Theory]
    [InlineData(451, "4.7.500 Server busy", "4.7.500", "Server busy")]
    [InlineData(550, "5.1.1", "5.1.1", "")]
    [InlineData(421, "Service not available", null, "Service not available")]
    [InlineData(550, "5.7.705 Access denied, tenant has exceeded threshold", "5.7.705", "Access denied, tenant has exceeded threshold")]
    public void The_enhanced_status_code_is_read_from_the_start_of_the_text(int code, string text, string? enhanced, string rest)
    {
        var reply = SmtpReply.From(code, text);
        Assert.Equal(enhanced, reply.EnhancedCode);
        Assert.Equal(rest, reply.Text);
    }
}
