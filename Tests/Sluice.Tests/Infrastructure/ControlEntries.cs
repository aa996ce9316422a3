using RabbitMQ.Client;
using RabbitMQ.Client.Events;
using Sluice.Worker.Control;
using Sluice.Worker.Topology;

namespace Sluice.Tests.Infrastructure;

/// <summary>Reads the raw <c>mail.control</c> stream, markers included, to see exactly what was written to it.</summary>
public static class ControlEntries
{
    /// <summary>Every entry's target from the first one up to and including <paramref name="last"/>.</summary>
    public static async Task<List<string>> TargetsUntilAsync(IConnection connection, string last, TimeSpan wait)
    {
        await using var channel = await connection.CreateChannelAsync();
        await channel.BasicQosAsync(0, 100, global: false);
        var targets = new List<string>();
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var consumer = new AsyncEventingBasicConsumer(channel);
        consumer.ReceivedAsync += async (_, delivery) =>
        {
            string target = ControlEvent.FromJson(delivery.Body.Span)?.Target ?? "?";
            targets.Add(target);
            if (target == last)
            {
                done.TrySetResult();
            }

            await channel.BasicAckAsync(delivery.DeliveryTag, multiple: false);
        };
        await channel.BasicConsumeAsync(QueueNames.Control, autoAck: false, consumerTag: string.Empty, noLocal: false, exclusive: false,
            arguments: new Dictionary<string, object?> { ["x-stream-offset"] = "first" }, consumer);
        await done.Task.WaitAsync(wait);
        return targets;
    }
}
