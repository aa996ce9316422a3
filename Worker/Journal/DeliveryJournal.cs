using System.Diagnostics;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;
using Sluice.Worker.Settlement;
using Sluice.Worker.Telemetry;
using Sluice.Worker.Topology;

namespace Sluice.Worker.Journal;

/// <summary>
/// An egress's delivery journal (the stream <c>mail.journal.EGRESS</c>) and the owner's index of it.
/// Every transaction is recorded before it starts and when it ends (its delivered recipients in the index
/// at once and in the stream, confirmed, before the message is acked); a new owner replays the stream's
/// tail into its index and its limiters before it sends.
/// What is left is the window between the receiver's 250 and the record's confirm: a crash there can
/// still send one message twice, at most once per SMTP connection.
/// </summary>
public sealed class DeliveryJournal(string egress, HopPublisher publisher, DeliveryIndex index, DeliveryTelemetry telemetry) : IAsyncDisposable
{
    private readonly GroupCommit<JournalRecord> _writer = new(async batch =>
    {
        long started = Stopwatch.GetTimestamp();
        await publisher.PublishAsync(QueueNames.Journal(egress), JournalRecord.ToJson(batch),
            new BasicProperties { Persistent = true, ContentType = "application/json" }, CancellationToken.None).ConfigureAwait(false);
        telemetry.JournalWritten(egress, Stopwatch.GetElapsedTime(started).TotalSeconds);
    });

    public DeliveryIndex Index => index;

    /// <summary>Writes what is queued, then stops.</summary>
    public ValueTask DisposeAsync() => _writer.DisposeAsync();

    /// <summary>
    /// Records that a transaction is about to start; call it before the first SMTP command (the record is on
    /// its way to the broker when the call returns) and await it with the transaction: whatever happens to
    /// this owner next, the next one counts these permits as used.
    /// </summary>
    public Task SendingAsync(JournalRecord sending) => AppendAsync(sending);

    /// <summary>Records how a transaction ended: its delivered recipients in the index at once, and in the stream, confirmed.</summary>
    public Task SettledAsync(JournalRecord settled)
    {
        index.Add(settled);
        return AppendAsync(settled);
    }

    /// <summary>Records a ban suspension (of the egress, or of one <paramref name="partition"/>), so a new owner keeps it.</summary>
    public Task SuspendedAsync(DateTimeOffset at, DateTimeOffset until, string? partition = null) => AppendAsync(JournalRecord.Suspension(at, until, partition));

    /// <summary>Records that a partition's waiting lane was opened or removed, so a new owner reads the open ones.</summary>
    public Task LaneAsync(string partition, bool open, DateTimeOffset at) => AppendAsync(JournalRecord.LaneState(partition, open, at));

    private Task AppendAsync(JournalRecord record) => _writer.WriteAsync(record);

    /// <summary>
    /// Reads every record since <paramref name="since"/> into <paramref name="replay"/> (and through it the
    /// index); returns the records read, and throws when the journal cannot be read within <paramref name="timeout"/>.
    /// </summary>
    public Task<int> ReplayAsync(IConnection connection, JournalReplay replay, DateTimeOffset since, TimeSpan timeout, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(replay);
        return ReadAsync(connection, publisher, egress, since, replay.Add, timeout, cancellationToken);
    }

    /// <summary>
    /// Hands every record of <paramref name="egress"/>'s journal since <paramref name="since"/> to
    /// <paramref name="onRecord"/>, in order. A stream does not say where it ends, so the reader appends a
    /// marker of its own (through <paramref name="markerPublisher"/>) and reads until the marker comes by.
    /// </summary>
    public static async Task<int> ReadAsync(
        IConnection connection, HopPublisher markerPublisher, string egress, DateTimeOffset since, Action<JournalRecord> onRecord,
        TimeSpan timeout, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(markerPublisher);
        ArgumentNullException.ThrowIfNull(onRecord);
        string marker = Guid.NewGuid().ToString("N");
        int read = 0;
        var caughtUp = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var channel = await connection.CreateChannelAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        await channel.BasicQosAsync(0, 1000, global: false, cancellationToken).ConfigureAwait(false);
        var consumer = new AsyncEventingBasicConsumer(channel);
        consumer.ReceivedAsync += async (_, delivery) =>
        {
            foreach (var record in JournalRecord.ReadBatch(delivery.Body.Span))
            {
                if (record.Kind == JournalRecord.MarkerKind)
                {
                    if (record.Marker == marker)
                    {
                        caughtUp.TrySetResult();
                    }
                }
                else
                {
                    onRecord(record);
                    read++;
                }
            }

            await channel.BasicAckAsync(delivery.DeliveryTag, multiple: false).ConfigureAwait(false);
        };
        string tag = await channel.BasicConsumeAsync(QueueNames.Journal(egress), autoAck: false, consumerTag: string.Empty, noLocal: false, exclusive: false,
            arguments: new Dictionary<string, object?> { ["x-stream-offset"] = new AmqpTimestamp(since.ToUnixTimeSeconds()) }, consumer, cancellationToken).ConfigureAwait(false);
        await markerPublisher.PublishAsync(QueueNames.Journal(egress), JournalRecord.ToJson([JournalRecord.MarkerAt(marker, DateTimeOffset.UtcNow)]),
            new BasicProperties { Persistent = true, ContentType = "application/json" }, cancellationToken).ConfigureAwait(false);
        await caughtUp.Task.WaitAsync(timeout, cancellationToken).ConfigureAwait(false);
        await channel.BasicCancelAsync(tag, noWait: false, cancellationToken).ConfigureAwait(false);
        return read;
    }
}
