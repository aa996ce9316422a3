using System.Threading.Channels;

namespace Sluice.Worker.Journal;

/// <summary>
/// Group commit: what every sender writes while one batch is being confirmed goes out together as the next
/// batch, so the broker does one confirmed write per batch instead of one per item (on a small machine the
/// per-item publishes cost a third of the drain rate). An item's task completes when its batch is confirmed;
/// an idle writer sends at once, so a lone item waits no longer than its own publish.
/// </summary>
internal sealed class GroupCommit<T> : IAsyncDisposable
{
    private const int MaxBatch = 256;
    private readonly Channel<Pending> _queue = Channel.CreateUnbounded<Pending>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Func<IReadOnlyList<T>, Task> _publish;
    private readonly Task _loop;

    /// <param name="publish">Publishes one batch, returning when the broker has confirmed all of it.</param>
    public GroupCommit(Func<IReadOnlyList<T>, Task> publish)
    {
        _publish = publish;
        _loop = Task.Run(RunAsync);
    }

    /// <summary>Queues <paramref name="item"/> for the next batch; completes when the broker has confirmed it.</summary>
    public Task WriteAsync(T item)
    {
        var pending = new Pending(item, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        return _queue.Writer.TryWrite(pending) ? pending.Written.Task : Task.FromException(new ObjectDisposedException(nameof(GroupCommit<T>)));
    }

    /// <summary>Writes what is queued, then stops.</summary>
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

            try
            {
                await _publish([.. batch.Select(p => p.Item)]).ConfigureAwait(false);
                batch.ForEach(p => p.Written.TrySetResult());
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                // Each writer's own task carries the failure: its message is not acked, so nothing is lost.
                batch.ForEach(p => p.Written.TrySetException(e));
            }
        }
    }

    private sealed record Pending(T Item, TaskCompletionSource Written);
}
