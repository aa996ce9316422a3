using System.Text.Json;
using System.Text.Json.Serialization;

namespace Sluice.Worker.Control;

/// <summary>One entry of the <c>mail.control</c> stream: a target paused or resumed, by whom, when.</summary>
public sealed record ControlEvent(string Target, bool Paused, DateTimeOffset At, string By)
{
    /// <summary>Targets starting with this are read markers that earlier versions of <c>sluice status</c> wrote to find the stream's end: not pauses.</summary>
    public const string MarkerPrefix = "marker:";

    public bool IsMarker => Target.StartsWith(MarkerPrefix, StringComparison.Ordinal);

    public byte[] ToJson() => JsonSerializer.SerializeToUtf8Bytes(this, ControlJsonContext.Default.ControlEvent);

    public static ControlEvent? FromJson(ReadOnlySpan<byte> json)
    {
        try
        {
            return JsonSerializer.Deserialize(json, ControlJsonContext.Default.ControlEvent);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(ControlEvent))]
internal sealed partial class ControlJsonContext : JsonSerializerContext;
