using System.Text.Json.Serialization;

namespace Sluice.Worker.Delivery;

[JsonSerializable(typeof(string[]))]
internal sealed partial class EnvelopeJsonContext : JsonSerializerContext;
