using Microsoft.Extensions.Hosting;
using Sluice.Worker.Broker;
using Sluice.Worker.Topology;

namespace Sluice.Worker.Pipeline;

/// <summary>Declares the topology before any consumer starts, so a fresh broker needs no separate step.</summary>
internal sealed class TopologyStartup(BrokerConnector connector, TopologyDefinition topology, Telemetry.ReadinessState readiness) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await using var connection = await connector.ConnectAsync("topology", cancellationToken).ConfigureAwait(false);
        await TopologyDeclarer.DeclareAsync(connection, topology, cancellationToken).ConfigureAwait(false);
        readiness.TopologyDeclared();
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
