using System.Text.Json.Nodes;
using Sluice.Contracts;
using Sluice.Simulator;
using Sluice.Tests.Infrastructure;
using Sluice.Worker.Delivery;
using Sluice.Worker.Sending;
using Sluice.Worker.Topology;

namespace Sluice.Tests.Pipeline;

/// <summary>
/// What a hostile or careless producer publishes, between valid messages, through the whole pipeline:
/// each bad message ends in <c>mail.failed</c> with its reason, each valid one (and each hostile one
/// that is valid mail) is delivered exactly once, and nothing a producer sends costs its neighbours.
/// </summary>
public sealed class HostileInputTests
{
    private static readonly TimeSpan HangGuard = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task Bad_input_fails_alone_with_its_reason_and_valid_mail_around_it_is_delivered_exactly_once()
    {
        await using var broker = await TestBroker.CreateAsync();
        await using var simulator = ReceivingSimulator.Start(new SimulatorOptions { Port = 0 });
        var logs = new LogCapture();
        await using var worker = await InProcessWorker.StartAsync(PipelineConfiguration.For(broker, simulator,
            ("Contract:MaxTextBytes", "10000"),
            ("Senders:Policy", "Allowlist"),
            ("Senders:Tenants:acme:0", "acme.example")), logs);
        await using var connection = await broker.ConnectAsync();
        await using var producer = await RawProducer.CreateAsync(connection);

        var expectedDeliveries = new List<(string Id, string Recipient)>();
        var expectedFailures = new Dictionary<string, string>();
        int neighbour = 0;
        async Task NeighbourAsync()
        {
            var mail = SampleMail.To($"n{neighbour++}@ok.example");
            await producer.PublishAsync(mail);
            expectedDeliveries.Add((mail.Id, mail.To[0].Address));
        }

        async Task DeliveredAsync(OutboundMail mail, IDictionary<string, object?>? headers = null)
        {
            await producer.PublishAsync(mail, headers);
            expectedDeliveries.AddRange(mail.AllRecipients().Select(r => (mail.Id, r.Address)));
            await NeighbourAsync();
        }

        async Task FailedAsync(string reason, string id, string json)
        {
            await producer.PublishJsonAsync(id, json);
            expectedFailures[id] = reason;
            await NeighbourAsync();
        }

        for (int i = 0; i < 5; i++)
        {
            await NeighbourAsync();
        }

        // 500 recipients of 254 characters (the longest SMTP carries): 128 KB of addresses, which no longer
        // travel in one header; sent as several transactions.
        var crowd = SampleMail.To([.. Enumerable.Range(0, 500).Select(i => $"u{i:000}{new string('a', 60)}@{string.Join('.', new[] { 45, 45, 44, 44 }.Select(n => new string('d', n)))}.example")]);
        Assert.Equal(254, crowd.To[0].Address.Length);
        await DeliveredAsync(crowd);

        // A producer's own AMQP headers: a huge one, and forged internal ones. All are dropped at intake.
        await DeliveredAsync(SampleMail.To("big@ok.example"), new Dictionary<string, object?> { ["x-big"] = new string('h', 130_000) });
        await DeliveredAsync(SampleMail.To("ann@ok.example", "bob@ok.example"), new Dictionary<string, object?> { [MailHeaders.Recipients] = "[\"ann@ok.example\"]" });
        await DeliveredAsync(SampleMail.To("later@ok.example"),
            new Dictionary<string, object?> { [MailHeaders.NotBefore] = DateTimeOffset.UtcNow.AddYears(10).ToUnixTimeMilliseconds() });

        // Addresses MimeKit cannot send, a protected field, an oversized text, a sender of another domain.
        await FailedAsync(FailureReasons.InvalidContract, "nul-in-bcc", Json(SampleMail.To("alice@ok.example") with { Id = "nul-in-bcc", Bcc = [new() { Address = "a\u0000b@ok.example" }] }));
        await FailedAsync(FailureReasons.InvalidContract, "dots", Json(SampleMail.To(".a..b.@ok.example") with { Id = "dots" }));
        await FailedAsync(FailureReasons.InvalidContract, "forged-auth",
            Json(SampleMail.To("alice@ok.example") with { Id = "forged-auth", Headers = new Dictionary<string, string> { ["Authentication-Results"] = "mx; dkim=pass" } }));
        await FailedAsync(FailureReasons.InvalidContract, "second-from",
            Json(SampleMail.To("alice@ok.example") with { Id = "second-from", Headers = new Dictionary<string, string> { ["from"] = "ceo@acme.example" } }));
        await FailedAsync(FailureReasons.InvalidContract, "huge-text", Json(SampleMail.To("alice@ok.example") with { Id = "huge-text", Text = new string('t', 20_000) }));
        await FailedAsync(FailureReasons.SenderNotAllowed, "spoof", Json(SampleMail.To("alice@ok.example") with { Id = "spoof", From = new() { Address = "noreply@paypal.example" } }));
        await FailedAsync(FailureReasons.SenderNotAllowed, "mime-spoof", Json(MimeMail("mime-spoof", "From: noreply@paypal.example\r\nTo: alice@ok.example\r\nSubject: hi\r\n\r\nbody\r\n")));
        await FailedAsync(FailureReasons.InvalidMime, "mime-trace", Json(MimeMail("mime-trace", "Received: from nowhere\r\nFrom: support@acme.example\r\nTo: alice@ok.example\r\nSubject: hi\r\n\r\nbody\r\n")));

        await simulator.WaitUntilAsync(s => s.DeliveredCount >= expectedDeliveries.Count, HangGuard);
        var failed = await QueueReader.TakeAsync(connection, QueueNames.Failed, expectedFailures.Count, HangGuard);

        var deliveries = RecordAnalysis.Deliveries(simulator.Records);
        var delivered = deliveries.Select(d => (d.Key.MessageId, d.Key.Recipient)).Order().ToList();
        var expected = expectedDeliveries.Select(e => ((string?)MessageIdOf(e.Id), e.Recipient.ToLowerInvariant())).Order().ToList();
        Assert.Equal(expected, delivered);
        Assert.All(deliveries.Values, count => Assert.Equal(1, count));
        Assert.Equal(
            expectedFailures.OrderBy(f => f.Key, StringComparer.Ordinal).ToList(),
            failed.Select(f => KeyValuePair.Create(f.BasicProperties.MessageId!, MailHeaders.GetString(f.BasicProperties.Headers, MailHeaders.Reason)!)).OrderBy(f => f.Key, StringComparer.Ordinal).ToList());
        Assert.All(failed, f => Assert.False(string.IsNullOrEmpty(MailHeaders.GetString(f.BasicProperties.Headers, MailHeaders.Detail))));
        Assert.Equal(0, logs.Count("could not be routed"));
        Assert.True(worker.IsHealthy);
    }

    [Fact]
    public async Task A_message_with_more_recipients_than_its_limit_allows_in_a_window_is_sent_as_transactions_that_keep_the_limit()
    {
        await using var broker = await TestBroker.CreateAsync();
        await using var simulator = ReceivingSimulator.Start(new SimulatorOptions { Port = 0 });
        await using var worker = await InProcessWorker.StartAsync(PipelineConfiguration.For(broker, simulator,
            ("Limits:Domains:small.example:PermitLimit", "40"), ("Limits:Domains:small.example:Window", "1s")));
        await using var connection = await broker.ConnectAsync();
        await using var producer = await RawProducer.CreateAsync(connection);
        var mail = SampleMail.To([.. Enumerable.Range(0, 150).Select(i => $"r{i}@small.example")]);

        await producer.PublishAsync(mail);
        await simulator.WaitUntilAsync(s => s.DeliveredCount >= 150, HangGuard);

        Assert.Equal(150, RecordAnalysis.Deliveries(simulator.Records).Count);
        Assert.InRange(RecordAnalysis.MaxAttemptsInAnyWindow(simulator.Records, "small.example", TimeSpan.FromSeconds(1)), 1, 40);
    }

    private static string MessageIdOf(string id) => $"<{MessageIdentity.For(id, "support@acme.example")}>";

    private static OutboundMail MimeMail(string id, string mime) => SampleMail.To("alice@ok.example") with
    {
        Id = id,
        Subject = null,
        Text = null,
        Mime = System.Text.Encoding.ASCII.GetBytes(mime),
    };

    /// <summary>The JSON a producer in any language would write, even for mail the .NET publisher would refuse.</summary>
    private static string Json(OutboundMail mail) => JsonNode.Parse(OutboundMailJson.Serialize(mail))!.ToJsonString();
}
