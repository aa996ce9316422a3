using System.CommandLine;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Sluice.Worker.Broker;
using Sluice.Worker.Topology;

namespace Sluice.Worker.Cli;

/// <summary><c>sluice topology declare|export</c>.</summary>
internal static class TopologyCommand
{
    public static Command Create(CliContext context)
    {
        var declare = new Command("declare", "Declare the exchanges, queues and bindings on the broker (idempotent).");
        declare.SetAction((_, ct) => HostedCommand.RunAsync(context, async (services, token) =>
        {
            var topology = services.GetRequiredService<TopologyDefinition>();
            var broker = services.GetRequiredService<IOptions<BrokerOptions>>().Value;
            await using var connection = await services.GetRequiredService<BrokerConnector>().ConnectAsync("topology", token).ConfigureAwait(false);
            await TopologyDeclarer.DeclareAsync(connection, topology, token).ConfigureAwait(false);
            await context.Out.WriteLineAsync(
                $"Declared {topology.Exchanges.Count} exchange(s), {topology.Queues.Count} queue(s), {topology.Bindings.Count} binding(s) " +
                $"on amqp://{broker.HostName}:{broker.Port} vhost '{broker.VirtualHost}'.").ConfigureAwait(false);
            return ExitCodes.Ok;
        }, ct));

        var output = new Option<FileInfo?>("--output", "-o") { Description = "Write to this file instead of standard output." };
        var export = new Command("export", "Print the topology in RabbitMQ's definitions format (deploy/rabbitmq/definitions.json).");
        export.Options.Add(output);
        export.SetAction((parseResult, ct) => HostedCommand.RunAsync(context, async (services, token) =>
        {
            var options = services.GetRequiredService<IOptions<TopologyOptions>>().Value;
            string json = DefinitionsExport.ToJson(services.GetRequiredService<TopologyDefinition>(), options.ExportVirtualHost);
            if (parseResult.GetValue(output) is { } file)
            {
                await File.WriteAllTextAsync(file.FullName, json, token).ConfigureAwait(false);
            }
            else
            {
                await context.Out.WriteAsync(json).ConfigureAwait(false);
            }

            return ExitCodes.Ok;
        }, ct));

        var topology = new Command("topology", "The broker topology: exchanges, queues and bindings.");
        topology.Subcommands.Add(declare);
        topology.Subcommands.Add(export);
        return topology;
    }
}
