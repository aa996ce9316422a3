namespace Sluice.Worker.Topology;

/// <summary>A durable exchange.</summary>
public sealed record ExchangeDefinition(string Name, string Type);

/// <summary>A durable queue and its <c>x-</c> arguments (numbers are <see cref="long"/>, as definitions import them).</summary>
public sealed record QueueDefinition(string Name, IReadOnlyDictionary<string, object> Arguments);

/// <summary>A binding from an exchange to a queue.</summary>
public sealed record BindingDefinition(string Exchange, string Queue, string RoutingKey);

/// <summary>The whole broker topology, as data: declared by <see cref="TopologyDeclarer"/>, exported by <see cref="DefinitionsExport"/>.</summary>
public sealed record TopologyDefinition(
    IReadOnlyList<ExchangeDefinition> Exchanges,
    IReadOnlyList<QueueDefinition> Queues,
    IReadOnlyList<BindingDefinition> Bindings);
