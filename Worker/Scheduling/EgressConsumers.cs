using RabbitMQ.Client;
using Sluice.Worker.Control;
using Sluice.Worker.Topology;

namespace Sluice.Worker.Scheduling;

/// <summary>
/// The owner's consumers on an egress's due and fresh queues, on while the egress is neither paused,
/// suspended by a ban nor stopping, off otherwise (so its mail stays where it is). Due mail is subscribed first: it has waited already.
/// </summary>
/// <remarks>With a fallback egress, a suspended egress keeps consuming: its mail moves to the fallback.</remarks>
internal sealed class EgressConsumers(
    IChannel channel, IAsyncBasicConsumer consumer, string egress, PauseState pauses, EgressBreaker breaker, Func<bool> stopping, bool hasFallback = false) : IDisposable
{
    private readonly SemaphoreSlim _turn = new(1, 1);
    private readonly List<string> _tags = [];

    /// <summary>For <see cref="PauseState.Changed"/>: a failure here is not fatal; the next change or session retries.</summary>
    public void Sync() => _ = SyncAsync(CancellationToken.None).ContinueWith(t => _ = t.Exception, TaskScheduler.Default);

    public async Task SyncAsync(CancellationToken cancellationToken)
    {
        await _turn.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            bool wanted = Wanted;
            if (wanted && _tags.Count == 0)
            {
                _tags.Add(await channel.BasicConsumeAsync(QueueNames.Due(egress), autoAck: false, consumer, cancellationToken).ConfigureAwait(false));
                _tags.Add(await channel.BasicConsumeAsync(QueueNames.Egress(egress), autoAck: false, consumer, cancellationToken).ConfigureAwait(false));
            }
            else if (!wanted && _tags.Count > 0)
            {
                foreach (string tag in _tags)
                {
                    await channel.BasicCancelAsync(tag, noWait: false, cancellationToken).ConfigureAwait(false);
                }

                _tags.Clear();
            }
        }
        finally
        {
            _turn.Release();
        }
    }

    /// <summary>True while the egress takes new mail: neither stopping, suspended (without a fallback) nor paused.</summary>
    public bool Wanted => !stopping() && (hasFallback || breaker.SuspendedUntil is null) && !pauses.IsPaused(new ControlTarget(ControlTargetKind.Egress, egress));

    public void Dispose() => _turn.Dispose();
}
