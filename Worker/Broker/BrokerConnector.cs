using Microsoft.Extensions.Options;
using RabbitMQ.Client;

namespace Sluice.Worker.Broker;

/// <summary>Opens connections to the configured broker with automatic recovery on.</summary>
internal sealed class BrokerConnector(IOptions<BrokerOptions> options)
{
    /// <param name="purpose">Shown in the broker's connection list.</param>
    /// <param name="automaticRecovery">
    /// Off for an egress owner: its exclusive lease dies with the connection, so it must win the lease
    /// again (or stand by) rather than silently resume.
    /// </param>
    /// <param name="cancellationToken">Cancels connecting.</param>
    public async Task<IConnection> ConnectAsync(string purpose, CancellationToken cancellationToken, bool automaticRecovery = true)
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
            AutomaticRecoveryEnabled = automaticRecovery,
            TopologyRecoveryEnabled = automaticRecovery,
        };
        return await factory.CreateConnectionAsync(cancellationToken).ConfigureAwait(false);
    }
}
