using System.Diagnostics;
using System.Threading.Channels;
using RabbitMQ.Client;
using Sluice.Worker.Settlement;
using Sluice.Worker.Telemetry;
using Sluice.Worker.Topology;

namespace Sluice.Worker.Journal;

/// <summary>
/// Group commit for an egress's journal: the records every sender writes while one publish is waiting for
/// its confirm go out together as the next stream message, so the broker does one confirmed write per batch
/// instead of two per SMTP transaction (which cost a third of the drain rate on a small machine). A record's
/// task completes when the batch that carried it is confirmed; an idle writer sends at once.
/// </summary>
internal sealed class JournalWriter : IAsyncDisposable
{
    private const int MaxBatch = 256;
    private readonly Channel<Pending> _queue = Channel.CreateUnbounded<Pending>(new UnboundedChannelOptions { SingleReader = true });
    private readonly string _egress;
    private readonly HopPublisher _publisher;
    private readonly DeliveryTelemetry _telemetry;
    private readonly Task _loop;

    public JournalWriter(string egress, HopPublisher publisher, DeliveryTelemetry telemetry)
    {
        _egress = egress;
        _publisher = publisher;
        _telemetry = telemetry;
        _loop = Task.Run(RunAsync);
    }

    /// <summary>Queues <paramref name="record"/> for the next batch; completes when the broker has confirmed it.</summary>
    public Task WriteAsync(JournalRecord record)
    {
        var pending = new Pending(record, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        return _queue.Writer.TryWrite(pending) ? pending.Written.Task : Task.FromException(new ObjectDisposedException(nameof(JournalWriter)));
    }

    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await _loop.ConfigureAwait(false);
    }

    private async Task RunAsync()
    {
        var batch = new List<Pending>(MaxBatch);
        while (await _queue.Reader.WaitToReadAsync().ConfigureAwait(false))
        {
            batch.Clear();
            while (batch.Count < MaxBatch && _queue.Reader.TryRead(out var pending))
            {
                batch.Add(pending);
            }

            long started = Stopwatch.GetTimestamp();
            try
            {
                await _publisher.PublishAsync(QueueNames.Journal(_egress), JournalRecord.ToJson(batch.Select(p => p.Record)),
                    new BasicProperties { Persistent = true, ContentType = "application/json" }, CancellationToken.None).ConfigureAwait(false);
                _telemetry.JournalWritten(_egress, Stopwatch.GetElapsedTime(started).TotalSeconds);
                batch.ForEach(p => p.Written.TrySetResult());
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                // Each writer's own task carries the failure: its message is not acked, so nothing is lost.
                batch.ForEach(p => p.Written.TrySetException(e));
            }
        }
    }

    private sealed record Pending(JournalRecord Record, TaskCompletionSource Written);
}
