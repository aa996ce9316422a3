using System.Text.Json;
using System.Text.Json.Serialization;

namespace Sluice.Worker.Control;

/// <summary>One entry of the <c>mail.control</c> stream: a target paused, resumed or retried now, by whom, when.</summary>
/// <param name="Target">What: <c>egress:</c>, <c>provider:</c>, <c>domain:</c> or <c>tenant:</c> and a name.</param>
/// <param name="Paused">Paused (true) or resumed.</param>
/// <param name="At">When.</param>
/// <param name="By">Who (user@host).</param>
/// <param name="Reason">Why, in the operator's words (shown by status).</param>
/// <param name="Until">When a pause ends by itself (null: when resumed).</param>
/// <param name="RetryNow">Not a pause or resume: end the target partition's throttle cool-down now (<c>sluice retry-now</c>).</param>
/// <param name="Renewed">
/// Set on a copy of a pause in force, written again so the stream's retention does not drop it (<see cref="ControlRetention"/>):
/// when. It changes nothing unless the pause it copies (same target and <paramref name="At"/>) is still the one in force.
/// </param>
public sealed record ControlEvent(
    string Target, bool Paused, DateTimeOffset At, string By, string? Reason = null, DateTimeOffset? Until = null, bool RetryNow = false,
    DateTimeOffset? Renewed = null)
{
    /// <summary>Targets starting with this are read markers that earlier versions of <c>sluice status</c> wrote to find the stream's end: not pauses.</summary>
    public const string MarkerPrefix = "marker:";

    public bool IsMarker => Target.StartsWith(MarkerPrefix, StringComparison.Ordinal);

    /// <summary>When this entry (or, for a renewal, its copy) was last written to the stream.</summary>
    public DateTimeOffset Written => Renewed ?? At;

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
