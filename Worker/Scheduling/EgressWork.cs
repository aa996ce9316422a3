using RabbitMQ.Client;
using Sluice.Worker.Delivery;

namespace Sluice.Worker.Scheduling;

/// <summary>One delivery from an egress, due or lane queue, copied out of the consumer callback.</summary>
/// <param name="Body">The message body.</param>
/// <param name="Properties">Its properties and headers.</param>
/// <param name="DeliveryTag">For the ack.</param>
/// <param name="FromDue">Back from the delay tiers (not fresh from intake).</param>
/// <param name="Settler">The channel it was delivered on, where it is acked or requeued.</param>
public sealed record EgressWork(ReadOnlyMemory<byte> Body, IReadOnlyBasicProperties Properties, ulong DeliveryTag, bool FromDue, Acknowledger Settler)
{
    /// <summary>The partition whose waiting lane it was delivered from; null for the egress and due queues.</summary>
    public string? Lane { get; init; }

    /// <summary>The envelope, already read (a message its lane has granted a permit to).</summary>
    public EgressEnvelope? Envelope { get; init; }

    /// <summary>The permits its lane took for it; the send disposes of them when the transaction is over.</summary>
    public IDisposable? Lease { get; init; }

    /// <summary>
    /// Handed over by this worker's intake: frees its place among the messages intake may hand the senders, for when it
    /// waits beside its lane (it is settled later, when the lane sends it). Null for mail read from a queue.
    /// </summary>
    public Action? FreePlace { get; init; }

    /// <summary>It was moved here from another egress's ban (<c>sluice-rerouted-from</c>): it is not moved on again.</summary>
    public bool Rerouted => MailHeaders.GetString(Properties.Headers, MailHeaders.ReroutedFrom) is not null;
}
