namespace Sluice.Worker.Scheduling;

/// <summary>An auto-reset wake-up for one waiting loop: <see cref="Set"/> ends the current or the next wait.</summary>
public sealed class Signal
{
    private readonly Lock _gate = new();
    private TaskCompletionSource _next = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public void Set()
    {
        lock (_gate)
        {
            _next.TrySetResult();
        }
    }

    /// <summary>Waits for <see cref="Set"/> or until <paramref name="timeout"/> has passed; true when set.</summary>
    public async Task<bool> WaitAsync(TimeSpan timeout, TimeProvider time, CancellationToken cancellationToken)
    {
        Task signalled;
        lock (_gate)
        {
            signalled = _next.Task;
        }

        bool set;
        if (signalled.IsCompleted)
        {
            set = true;
        }
        else
        {
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var timer = Task.Delay(timeout < TimeSpan.Zero ? TimeSpan.Zero : timeout, time, stop.Token);
            set = await Task.WhenAny(signalled, timer).ConfigureAwait(false) == signalled;
            await stop.CancelAsync().ConfigureAwait(false);
            cancellationToken.ThrowIfCancellationRequested();
        }

        if (set)
        {
            lock (_gate)
            {
                if (_next.Task.IsCompleted)
                {
                    _next = new(TaskCreationOptions.RunContinuationsAsynchronously);
                }
            }
        }

        return set;
    }
}
