using System.Text.Json;

namespace Sluice.Contracts;

/// <summary>Reads and writes <see cref="OutboundMail"/> as contract JSON (UTF-8).</summary>
public static class OutboundMailJson
{
    public static byte[] Serialize(OutboundMail mail) =>
        JsonSerializer.SerializeToUtf8Bytes(mail, ContractJsonContext.Default.OutboundMail);

    /// <summary>Parses contract JSON. Throws <see cref="JsonException"/> naming the offending path.</summary>
    public static OutboundMail Deserialize(ReadOnlySpan<byte> utf8Json) =>
        JsonSerializer.Deserialize(utf8Json, ContractJsonContext.Default.OutboundMail)
        ?? throw new JsonException("The message body is the JSON literal null, not an outbound mail object.");
}
