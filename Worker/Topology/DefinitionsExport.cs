using System.Text.Json;
using System.Text.Json.Nodes;

namespace Sluice.Worker.Topology;

/// <summary>
/// Writes a <see cref="TopologyDefinition"/> in RabbitMQ's definitions format, for
/// <c>rabbitmqctl import_definitions</c> or the management plugin's <c>load_definitions</c>.
/// </summary>
public static class DefinitionsExport
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    public static string ToJson(TopologyDefinition topology, string virtualHost)
    {
        ArgumentNullException.ThrowIfNull(topology);
        var exchanges = new JsonArray();
        foreach (var e in topology.Exchanges)
        {
            exchanges.Add(new JsonObject
            {
                ["name"] = e.Name, ["vhost"] = virtualHost, ["type"] = e.Type, ["durable"] = true,
                ["auto_delete"] = false, ["internal"] = false, ["arguments"] = new JsonObject(),
            });
        }

        var queues = new JsonArray();
        foreach (var q in topology.Queues)
        {
            var arguments = new JsonObject();
            foreach (var (key, value) in q.Arguments)
            {
                arguments[key] = value switch
                {
                    long number => JsonValue.Create(number),
                    bool flag => JsonValue.Create(flag),
                    string text => JsonValue.Create(text),
                    _ => throw new InvalidOperationException($"Queue argument {key} of {q.Name} has an unsupported type {value.GetType()}"),
                };
            }

            queues.Add(new JsonObject
            {
                ["name"] = q.Name, ["vhost"] = virtualHost, ["durable"] = true, ["auto_delete"] = false, ["arguments"] = arguments,
            });
        }

        var bindings = new JsonArray();
        foreach (var b in topology.Bindings)
        {
            bindings.Add(new JsonObject
            {
                ["source"] = b.Exchange, ["vhost"] = virtualHost, ["destination"] = b.Queue, ["destination_type"] = "queue",
                ["routing_key"] = b.RoutingKey, ["arguments"] = new JsonObject(),
            });
        }

        var document = new JsonObject { ["exchanges"] = exchanges, ["queues"] = queues, ["bindings"] = bindings };
        return document.ToJsonString(Indented) + "\n";
    }
}
