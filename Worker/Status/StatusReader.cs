using RabbitMQ.Client;
using RabbitMQ.Client.Events;
using Sluice.Worker.Control;
using Sluice.Worker.Topology;

namespace Sluice.Worker.Status;

/// <summary>Gathers a <see cref="StatusReport"/> from the broker without taking anything away.</summary>
public static class StatusReader
{
    /// <param name="connection">The broker.</param>
    /// <param name="topology">Which egresses and tiers there are.</param>
    /// <param name="snapshotWait">How long to wait for an owner's snapshot when none is queued (owners publish every <c>Scheduler:StatusInterval</c>).</param>
    /// <param name="time">The clock.</param>
    /// <param name="cancellationToken">Cancels reading.</param>
    /// <param name="staleAfter">
    /// A snapshot older than this is a dead owner's last word (reading leaves snapshots in place, so one stays
    /// after its owner is gone): the egress is shown with no owner, and when it was last seen. Null: never stale.
    /// </param>
    public static async Task<StatusReport> ReadAsync(
        IConnection connection, TopologyOptions topology, TimeSpan snapshotWait, TimeProvider time, CancellationToken cancellationToken, TimeSpan? staleAfter = null)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(topology);
        ArgumentNullException.ThrowIfNull(time);
        await using var channel = await connection.CreateChannelAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        async Task<long> Count(string queue) => (await channel.QueueDeclarePassiveAsync(queue, cancellationToken).ConfigureAwait(false)).MessageCount;

        var egresses = new List<EgressStatus>();
        var snapshots = new List<EgressSnapshot>();
        foreach (string egress in topology.EffectiveEgresses)
        {
            long delayed = 0;
            foreach (var tier in topology.EffectiveDelayTiers)
            {
                delayed += await Count(QueueNames.Delay(egress, tier)).ConfigureAwait(false);
            }

            var snapshot = await LatestSnapshotAsync(connection, egress, snapshotWait, cancellationToken, take: false).ConfigureAwait(false);
            bool stale = snapshot is not null && time.GetUtcNow() - snapshot.At > staleAfter;
            if (snapshot is not null && !stale)
            {
                snapshots.Add(snapshot);
            }

            egresses.Add(new EgressStatus(
                egress,
                await Count(QueueNames.Egress(egress)).ConfigureAwait(false),
                await Count(QueueNames.Due(egress)).ConfigureAwait(false),
                delayed,
                Paused: false,
                stale ? null : snapshot)
            {
                LastSeen = stale ? snapshot!.At : null,
            });
        }

        // Pauses as the running owners have read them from the control stream: reading the stream here would mean
        // writing a marker to find its end (a stream does not say where it ends), and status changes nothing.
        var paused = snapshots.Count == 0
            ? null
            : snapshots.SelectMany(s => s.Paused ?? []).DistinctBy(p => p.Target, StringComparer.Ordinal).OrderBy(p => p.Target, StringComparer.Ordinal).ToList();
        return new StatusReport(
            time.GetUtcNow(),
            await Count(QueueNames.Intake).ConfigureAwait(false),
            await Count(QueueNames.Parked).ConfigureAwait(false),
            await Count(QueueNames.Failed).ConfigureAwait(false),
            [.. egresses.Select(e => e with { Paused = paused?.Any(p => p.Target == new ControlTarget(ControlTargetKind.Egress, e.Egress).ToString()) == true })],
            paused);
    }

    /// <summary>
    /// The owner's latest snapshot (the queue holds one; the owner writes a new one every interval). With
    /// <paramref name="take"/> it is taken, so the next call waits for the next snapshot (a way to wait for the
    /// owner's next view); without, it is put back for the next reader (<c>sluice status</c> changes nothing).
    /// Null: no owner is writing.
    /// </summary>
    public static async Task<EgressSnapshot?> LatestSnapshotAsync(IConnection connection, string egress, TimeSpan wait, CancellationToken cancellationToken, bool take = true)
    {
        ArgumentNullException.ThrowIfNull(connection);
        await using var channel = await connection.CreateChannelAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        await channel.BasicQosAsync(0, 1, global: false, cancellationToken).ConfigureAwait(false);
        var first = new TaskCompletionSource<EgressSnapshot?>(TaskCreationOptions.RunContinuationsAsynchronously);
        var consumer = new AsyncEventingBasicConsumer(channel);
        int read = 0;
        consumer.ReceivedAsync += async (_, delivery) =>
        {
            // Only the first delivery is read. Every other one, and the first when it is not taken, stays unacknowledged
            // and goes back to the queue when the channel closes: a reject here would put it straight back to this
            // consumer, again and again, and one sent while the channel closes makes the broker close the connection.
            if (Interlocked.Exchange(ref read, 1) == 1)
            {
                return;
            }

            var snapshot = EgressSnapshot.FromJson(delivery.Body.Span);
            if (take)
            {
                await channel.BasicAckAsync(delivery.DeliveryTag, multiple: false).ConfigureAwait(false);
            }

            first.TrySetResult(snapshot);
        };
        string tag = await channel.BasicConsumeAsync(QueueNames.Status(egress), autoAck: false, consumer, cancellationToken).ConfigureAwait(false);
        try
        {
            return await first.Task.WaitAsync(wait, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            Interlocked.Exchange(ref read, 1);
            return null;
        }
        finally
        {
            await channel.BasicCancelAsync(tag, noWait: false, CancellationToken.None).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// The egress's last status snapshot, read without waiting and without taking it (it goes back to the queue when
    /// the channel closes); null when there is none.
    /// </summary>
    public static async Task<EgressSnapshot?> PeekAsync(IConnection connection, string egress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        await using var channel = await connection.CreateChannelAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        var got = await channel.BasicGetAsync(QueueNames.Status(egress), autoAck: false, cancellationToken).ConfigureAwait(false);
        return got is null ? null : EgressSnapshot.FromJson(got.Body.Span);
    }
}
