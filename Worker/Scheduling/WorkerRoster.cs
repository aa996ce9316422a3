using RabbitMQ.Client;

namespace Sluice.Worker.Scheduling;

/// <summary>
/// How many workers are running: each one consumes the roster queue (nothing is ever published to it), and the broker
/// counts consumers, dropping a worker's the moment its connection dies. The count decides each worker's share of the
/// egresses.
/// </summary>
internal sealed class WorkerRoster
{
    public const string Queue = "mail.workers";

    private int _workers = 1;

    /// <summary>Workers running at the last count (at least this one).</summary>
    public int Workers => Volatile.Read(ref _workers);

    /// <summary>The most egresses one worker should own: <paramref name="egresses"/> ÷ workers, rounded up.</summary>
    public int Share(int egresses) => (egresses + Workers - 1) / Workers;

    /// <summary>Joins the roster on <paramref name="connection"/> and counts the workers every <paramref name="interval"/> until the token ends; throws when the connection fails.</summary>
    public async Task RunAsync(IConnection connection, TimeSpan interval, TimeProvider time, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        await using var channel = await connection.CreateChannelAsync(cancellationToken: cancellationToken).ConfigureAwait(false);

        // Not durable and deleted with its last consumer: it holds nothing but the count.
        await channel.QueueDeclareAsync(Queue, durable: false, exclusive: false, autoDelete: true, arguments: null, cancellationToken: cancellationToken).ConfigureAwait(false);
        await channel.BasicConsumeAsync(Queue, autoAck: true, new RabbitMQ.Client.Events.AsyncEventingBasicConsumer(channel), cancellationToken).ConfigureAwait(false);
        using var timer = new PeriodicTimer(interval, time);
        try
        {
            do
            {
                var count = await channel.QueueDeclarePassiveAsync(Queue, cancellationToken).ConfigureAwait(false);
                Volatile.Write(ref _workers, Math.Max(1, (int)count.ConsumerCount));
            }
            while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false));
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopping. (A lost channel throws on: the caller joins the roster again.)
        }
    }
}
