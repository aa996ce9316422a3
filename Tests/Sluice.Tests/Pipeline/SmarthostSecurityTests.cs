using Sluice.Contracts.Publishing;
using Sluice.Simulator;
using Sluice.Tests.Infrastructure;
using Sluice.Worker.Status;
using Sluice.Worker.Topology;

namespace Sluice.Tests.Pipeline;

/// <summary>
/// A smarthost that does not secure or authenticate the session as configured is an egress fault: no
/// message is sent without the TLS or AUTH asked for, none is failed, the egress backs off (bounded
/// retries, one log line each) and status says why.
/// </summary>
public sealed class SmarthostSecurityTests
{
    private static readonly TimeSpan HangGuard = TimeSpan.FromSeconds(60);

    [Theory]
    [InlineData("tls-not-offered", "StartTlsRequired", null)]
    [InlineData("auth-not-offered", "None", null)]
    [InlineData("auth-refused", "None", "sluice")]
    public async Task Mail_is_neither_sent_nor_failed_when_the_session_cannot_be_secured_or_authenticated_as_configured(string kind, string security, string? offeredUser)
    {
        await using var broker = await TestBroker.CreateAsync();
        await using var simulator = ReceivingSimulator.Start(new SimulatorOptions
        {
            Port = 0,
            Users = offeredUser is null ? null : new() { [offeredUser] = "the-right-password" },
        });
        var logs = new LogCapture();
        var configuration = PipelineConfiguration.For(broker, simulator,
            ("Smtp:Security", security), ("Smtp:UserName", "sluice"), ("Smtp:Password", "a-wrong-password"),
            ("Scheduler:StatusInterval", "00:00:00.200"));
        await using (var worker = await InProcessWorker.StartAsync(configuration, logs))
        {
            await using var connection = await broker.ConnectAsync();
            await using var publisher = await OutboundMailPublisher.CreateAsync(connection);
            var mails = await MailLoad.PublishAsync(publisher, ["secure.example"], perDomain: 3);

            // Two sessions: the first attempt and a retry after the back-off.
            await simulator.WaitUntilAsync(s => s.SessionCount >= 2, HangGuard);
            await logs.WaitForAsync($"smarthost fault {kind}", HangGuard);
            Assert.StartsWith(kind + ":", await FaultInStatusAsync(connection), StringComparison.Ordinal);
            Assert.Equal(0, simulator.DeliveredCount);
            Assert.Equal(0u, await QueueReader.CountAsync(connection, QueueNames.Failed));
            Assert.Equal(0u, await QueueReader.CountAsync(connection, QueueNames.Parked));
            Assert.True(worker.IsHealthy);
            await worker.StopAsync();

            // Every message is still queued for the egress, and no stack trace was logged for the faults.
            Assert.Equal((uint)mails.Count, await QueueReader.CountAsync(connection, QueueNames.Egress(QueueNames.DefaultEgress)));
            Assert.DoesNotContain(logs.Lines, l => l.Contains("smarthost fault", StringComparison.Ordinal) && l.EndsWith(']'));
        }

        Assert.DoesNotContain(simulator.Records, r => r.Stage == ReplyRecord.RcptStage);
    }

    /// <summary>The fault the owner reports in its status snapshots (each read takes the next snapshot; one may predate the fault).</summary>
    private static async Task<string?> FaultInStatusAsync(RabbitMQ.Client.IConnection connection)
    {
        using var deadline = new CancellationTokenSource(HangGuard);
        while (true)
        {
            var snapshot = await StatusReader.LatestSnapshotAsync(connection, QueueNames.DefaultEgress, HangGuard, deadline.Token);
            if (snapshot?.SmarthostFault is { } fault)
            {
                return fault;
            }
        }
    }

    [Fact]
    public async Task With_AUTH_offered_every_delivery_is_made_in_an_authenticated_session()
    {
        await using var broker = await TestBroker.CreateAsync();
        await using var simulator = ReceivingSimulator.Start(new SimulatorOptions { Port = 0, Users = new() { ["sluice"] = "s3cret" } });
        await using var worker = await InProcessWorker.StartAsync(PipelineConfiguration.For(broker, simulator,
            ("Smtp:UserName", "sluice"), ("Smtp:Password", "s3cret")));
        await using var connection = await broker.ConnectAsync();
        await using var publisher = await OutboundMailPublisher.CreateAsync(connection);

        var mails = await MailLoad.PublishAsync(publisher, ["one.example", "two.example"], perDomain: 5);
        await simulator.WaitUntilAsync(s => s.DeliveredCount >= mails.Count, HangGuard);

        var stored = simulator.Records.Where(r => r.Stage == ReplyRecord.DataStage).ToList();
        Assert.Equal(mails.Count, stored.Count);
        Assert.All(stored, r => Assert.Equal("sluice", r.User));
    }
}
