using RabbitMQ.Client;
using Sluice.Contracts;
using Sluice.Contracts.Publishing;
using Sluice.Contracts.Validation;
using Sluice.Tests.Infrastructure;
using Sluice.Worker.Topology;

namespace Sluice.Tests.Publishing;

/// <summary>OutboundMailPublisher against a real RabbitMQ (a private vhost per test).</summary>
public sealed class PublisherBrokerTests
{
    private static readonly TimeSpan HangGuard = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task A_published_message_lands_in_intake_with_every_property()
    {
        await using var broker = await TestBroker.CreateAsync();
        await using var connection = await broker.ConnectWithTopologyAsync();
        var now = new DateTimeOffset(2026, 11, 28, 12, 0, 0, TimeSpan.Zero);
        await using var publisher = await OutboundMailPublisher.CreateAsync(connection,
            new OutboundMailPublisherOptions { TimeProvider = new FixedTime(now) });

        var mail = SampleMail.To("Jürgen@Bücher.Example", "anna@xn--bcher-kva.example");
        var published = await publisher.PublishAsync(mail);

        var message = await QueueReader.GetAsync(connection, QueueNames.Intake);
        Assert.NotNull(message);
        Assert.Equal(OutboundWire.Exchange, message.Exchange);
        Assert.Equal("xn--bcher-kva.example", message.RoutingKey);
        Assert.Equal(published.RoutingKey, message.RoutingKey);
        var p = message.BasicProperties;
        Assert.Equal("application/json", p.ContentType);
        Assert.Equal(DeliveryModes.Persistent, p.DeliveryMode);
        Assert.Equal(mail.Id, p.MessageId);
        Assert.Equal(OutboundWire.MessageType, p.Type);
        Assert.Equal(now.ToUnixTimeSeconds(), p.Timestamp.UnixTime);

        var body = OutboundMailJson.Deserialize(message.Body.Span);
        Assert.Equal(mail.Id, body.Id);
        Assert.Equal(["Jürgen@xn--bcher-kva.example", "anna@xn--bcher-kva.example"], body.To.Select(t => t.Address));
        Assert.Equal(0u, message.MessageCount);
    }

    [Fact]
    public async Task Recipients_in_several_domains_are_published_with_the_mixed_routing_key()
    {
        await using var broker = await TestBroker.CreateAsync();
        await using var connection = await broker.ConnectWithTopologyAsync();
        await using var publisher = await OutboundMailPublisher.CreateAsync(connection);

        await publisher.PublishAsync(SampleMail.To("a@contoso.example", "b@fabrikam.example"));

        var message = await QueueReader.GetAsync(connection, QueueNames.Intake);
        Assert.Equal(OutboundWire.MixedDomainsRoutingKey, message!.RoutingKey);
    }

    [Fact]
    public async Task Concurrent_publishes_on_one_publisher_are_all_confirmed_and_all_land()
    {
        await using var broker = await TestBroker.CreateAsync();
        await using var connection = await broker.ConnectWithTopologyAsync();
        await using var publisher = await OutboundMailPublisher.CreateAsync(connection);
        var mails = Enumerable.Range(0, 200).Select(i => SampleMail.To($"user{i}@domain{i % 7}.example")).ToList();

        var published = await Task.WhenAll(mails.Select(m => publisher.PublishAsync(m)));

        Assert.Equal(mails.Select(m => m.Id).Order(StringComparer.Ordinal), published.Select(p => p.Id).Order(StringComparer.Ordinal));
        Assert.Equal(200u, await QueueReader.CountAsync(connection, QueueNames.Intake));
    }

    [Fact]
    public async Task An_unroutable_publish_raises_and_names_the_exchange()
    {
        await using var broker = await TestBroker.CreateAsync();
        await using var connection = await broker.ConnectAsync();
        await using (var channel = await connection.CreateChannelAsync())
        {
            // The exchange exists, but no queue is bound to it.
            await channel.ExchangeDeclareAsync(OutboundWire.Exchange, ExchangeType.Topic, durable: true);
        }

        await using var publisher = await OutboundMailPublisher.CreateAsync(connection);
        var mail = SampleMail.To("a@contoso.example");

        var e = await Assert.ThrowsAsync<MailPublishException>(() => publisher.PublishAsync(mail));
        Assert.Contains("unroutable", e.Message, StringComparison.Ordinal);
        Assert.Contains(mail.Id, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Invalid_mail_is_refused_before_anything_is_published()
    {
        await using var broker = await TestBroker.CreateAsync();
        await using var connection = await broker.ConnectWithTopologyAsync();
        await using var publisher = await OutboundMailPublisher.CreateAsync(connection);

        var e = await Assert.ThrowsAsync<InvalidOutboundMailException>(() => publisher.PublishAsync(SampleMail.To("alice@contoso.example", "bob@@contoso.example")));
        Assert.Equal("to[1].address", Assert.Single(e.Violations).Field);
        Assert.Equal(0u, await QueueReader.CountAsync(connection, QueueNames.Intake));
    }

    [Fact]
    public async Task With_the_broker_gone_a_publish_fails_with_a_clear_error_instead_of_hanging()
    {
        await using var broker = await TestBroker.CreateAsync();
        await (await broker.ConnectWithTopologyAsync()).DisposeAsync();

        var proxy = new TcpProxy(TestBroker.Host, TestBroker.Port);
        var factory = broker.Factory(proxy.Port);
        factory.AutomaticRecoveryEnabled = true;
        await using var connection = await factory.CreateConnectionAsync();
        await using var publisher = await OutboundMailPublisher.CreateAsync(connection,
            new OutboundMailPublisherOptions { PublishTimeout = TimeSpan.FromSeconds(2) });
        await publisher.PublishAsync(SampleMail.To("a@contoso.example"));

        var closed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        connection.ConnectionShutdownAsync += (_, _) =>
        {
            closed.TrySetResult();
            return Task.CompletedTask;
        };
        await proxy.DisposeAsync();
        await closed.Task.WaitAsync(HangGuard);

        var e = await Assert.ThrowsAsync<MailPublishException>(() => publisher.PublishAsync(SampleMail.To("b@contoso.example")).WaitAsync(HangGuard));
        Assert.Contains("broker", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task When_the_confirm_never_comes_the_publish_fails_at_its_deadline()
    {
        await using var broker = await TestBroker.CreateAsync();
        await (await broker.ConnectWithTopologyAsync()).DisposeAsync();

        await using var proxy = new TcpProxy(TestBroker.Host, TestBroker.Port);
        await using var connection = await broker.Factory(proxy.Port).CreateConnectionAsync();
        await using var publisher = await OutboundMailPublisher.CreateAsync(connection,
            new OutboundMailPublisherOptions { PublishTimeout = TimeSpan.FromSeconds(1) });

        proxy.Stall();
        var mail = SampleMail.To("a@contoso.example");
        var e = await Assert.ThrowsAsync<MailPublishException>(() => publisher.PublishAsync(mail).WaitAsync(HangGuard));
        Assert.Contains("did not confirm", e.Message, StringComparison.Ordinal);
        Assert.Contains(mail.Id, e.Message, StringComparison.Ordinal);

        // Cut the stalled sockets so closing the channel and connection does not wait for replies.
        await proxy.DisposeAsync();
    }

    private sealed class FixedTime(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}
