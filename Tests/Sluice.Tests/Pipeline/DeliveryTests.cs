using RabbitMQ.Client;
using Sluice.Contracts.Publishing;
using Sluice.Simulator;
using Sluice.Tests.Infrastructure;
using Sluice.Worker.Delivery;
using Sluice.Worker.Sending;
using Sluice.Worker.Topology;

namespace Sluice.Tests.Pipeline;

/// <summary>Single messages through the whole pipeline: real broker, real worker, real SMTP over TCP.</summary>
public sealed class DeliveryTests
{
    private static readonly TimeSpan HangGuard = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task A_message_to_several_domains_is_delivered_once_to_every_recipient_with_a_stable_message_id()
    {
        await using var broker = await TestBroker.CreateAsync();
        await using var simulator = ReceivingSimulator.Start(new SimulatorOptions { Port = 0 });
        await using var worker = await InProcessWorker.StartAsync(PipelineConfiguration.For(broker, simulator));
        await using var connection = await broker.ConnectAsync();
        await using var publisher = await OutboundMailPublisher.CreateAsync(connection);
        var mail = SampleMail.To("ann@one.example", "bob@two.example") with { Bcc = [new() { Address = "cat@two.example" }] };

        await publisher.PublishAsync(mail);
        await simulator.WaitUntilAsync(s => s.DeliveredCount >= 3, HangGuard);

        var deliveries = RecordAnalysis.Deliveries(simulator.Records);
        string messageId = $"<{MessageIdentity.For(mail.Id, mail.From.Address)}>";
        Assert.Equal(
            [(messageId, "ann@one.example"), (messageId, "bob@two.example"), (messageId, "cat@two.example")],
            deliveries.Keys.Order().ToList());
        Assert.All(deliveries.Values, count => Assert.Equal(1, count));
    }

    [Fact]
    public async Task A_temporary_failure_is_retried_and_then_delivered_once()
    {
        await using var broker = await TestBroker.CreateAsync();
        await using var simulator = ReceivingSimulator.Start(new SimulatorOptions
        {
            Port = 0,
            Rules = [new DomainRule { Pattern = "grey.example", TemporaryFailuresPerRecipient = 1 }],
        });
        await using var worker = await InProcessWorker.StartAsync(PipelineConfiguration.For(broker, simulator));
        await using var connection = await broker.ConnectAsync();
        await using var publisher = await OutboundMailPublisher.CreateAsync(connection);

        await publisher.PublishAsync(SampleMail.To("ann@grey.example"));
        await simulator.WaitUntilAsync(s => s.DeliveredCount >= 1, HangGuard);

        var replies = simulator.Records.Where(r => r.Stage == ReplyRecord.RcptStage).Select(r => r.Code).ToList();
        Assert.Equal([451, 250], replies);
        Assert.Equal(1, simulator.DeliveredCount);
    }

    [Fact]
    public async Task A_permanent_rejection_goes_to_failed_with_the_reply_and_other_recipients_still_get_the_message()
    {
        await using var broker = await TestBroker.CreateAsync();
        await using var simulator = ReceivingSimulator.Start(new SimulatorOptions
        {
            Port = 0,
            Rules = [new DomainRule { Pattern = "corp.example", UnknownUsers = ["nobody"] }],
        });
        await using var worker = await InProcessWorker.StartAsync(PipelineConfiguration.For(broker, simulator));
        await using var connection = await broker.ConnectAsync();
        await using var publisher = await OutboundMailPublisher.CreateAsync(connection);
        var mail = SampleMail.To("nobody@corp.example", "ann@corp.example");

        await publisher.PublishAsync(mail);
        var failed = await QueueReader.NextDeliveryAsync(connection, QueueNames.Failed, HangGuard);

        Assert.Equal(mail.Id, failed.BasicProperties.MessageId);
        Assert.Equal(FailureReasons.Rejected, MailHeaders.GetString(failed.BasicProperties.Headers, MailHeaders.Reason));
        // The SmtpServer package appends ", N retry(ies) remaining." to every error reply.
        Assert.StartsWith("550 5.1.1 Recipient address rejected: User unknown.", MailHeaders.GetString(failed.BasicProperties.Headers, MailHeaders.Detail), StringComparison.Ordinal);
        Assert.Equal("[\"nobody@corp.example\"]", MailHeaders.GetString(failed.BasicProperties.Headers, MailHeaders.Recipients));
        await simulator.WaitUntilAsync(s => s.DeliveredCount >= 1, HangGuard);
        Assert.Equal("ann@corp.example", Assert.Single(RecordAnalysis.Deliveries(simulator.Records)).Key.Recipient);
    }
}
