using System.Text.Json;
using System.Text.Json.Serialization;

namespace Sluice.Contracts;

/// <summary>
/// Source-generated serializer for the contract. Strict on purpose so that it agrees with the JSON
/// Schema: exact (camelCase) property names, no unknown properties, no numbers in strings, required
/// members and non-nullable members enforced.
/// </summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    PropertyNameCaseInsensitive = false,
    NumberHandling = JsonNumberHandling.Strict,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    RespectNullableAnnotations = true,
    RespectRequiredConstructorParameters = true,
    AllowDuplicateProperties = false)]
[JsonSerializable(typeof(OutboundMail))]
[JsonSerializable(typeof(Events.DeliveryEvent[]))]
internal sealed partial class ContractJsonContext : JsonSerializerContext;
