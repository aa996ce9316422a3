using System.Text;
using RabbitMQ.Client;
using Sluice.Contracts;
using Sluice.Contracts.Publishing;

namespace Sluice.Tests.Infrastructure;

/// <summary>
/// Publishes to <c>mail.outbound</c> as a careless or hostile producer in any language could: any body,
/// any AMQP headers, no validation first. Confirmed, so a test knows the broker took it.
/// </summary>
public sealed class RawProducer : IAsyncDisposable
{
    private readonly IChannel _channel;

    private RawProducer(IChannel channel)
    {
        _channel = channel;
    }

    public static async Task<RawProducer> CreateAsync(IConnection connection)
    {
        ArgumentNullException.ThrowIfNull(connection);
        return new RawProducer(await connection.CreateChannelAsync(new CreateChannelOptions(true, true)));
    }

    public Task PublishAsync(OutboundMail mail, IDictionary<string, object?>? headers = null) =>
        PublishAsync(mail.Id, OutboundMailJson.Serialize(mail), headers);

    public Task PublishJsonAsync(string id, string json, IDictionary<string, object?>? headers = null) =>
        PublishAsync(id, Encoding.UTF8.GetBytes(json), headers);

    public async Task PublishAsync(string id, byte[] body, IDictionary<string, object?>? headers = null)
    {
        var properties = new BasicProperties
        {
            MessageId = id,
            ContentType = OutboundWire.ContentType,
            DeliveryMode = DeliveryModes.Persistent,
            Headers = headers,
        };
        await _channel.BasicPublishAsync(OutboundWire.Exchange, "any.example", mandatory: true, properties, body);
    }

    public async ValueTask DisposeAsync() => await _channel.DisposeAsync();
}
