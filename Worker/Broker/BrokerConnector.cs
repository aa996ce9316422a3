using Microsoft.Extensions.Options;
using RabbitMQ.Client;

namespace Sluice.Worker.Broker;

/// <summary>Opens connections to the configured broker with automatic recovery on.</summary>
internal sealed class BrokerConnector(IOptions<BrokerOptions> options)
{
    public async Task<IConnection> ConnectAsync(string purpose, CancellationToken cancellationToken)
    {
        var o = options.Value;
        var factory = new ConnectionFactory
        {
            HostName = o.HostName,
            Port = o.Port,
            VirtualHost = o.VirtualHost,
            UserName = o.UserName,
            Password = o.Password,
            ClientProvidedName = $"{o.ClientName} ({purpose})",
            RequestedConnectionTimeout = o.ConnectTimeout,
            AutomaticRecoveryEnabled = true,
            TopologyRecoveryEnabled = true,
        };
        return await factory.CreateConnectionAsync(cancellationToken).ConfigureAwait(false);
    }
}
