using System.Text.Json;
using System.Text.Json.Serialization;

namespace Sluice.Worker.Journal;

/// <summary>
/// One settled SMTP transaction in an egress's delivery journal: which recipients of which message the
/// receiver accepted, and when. A record with a <see cref="Marker"/> only marks a reader's place.
/// </summary>
/// <param name="Id">The producer's message id.</param>
/// <param name="Tenant">The client tenant.</param>
/// <param name="Partition">The limit partition the transaction counted in.</param>
/// <param name="Delivered">The recipients the receiver accepted.</param>
/// <param name="At">When the transaction ended (Unix milliseconds).</param>
/// <param name="Attempt">The message's attempt number.</param>
/// <param name="Marker">Set only on a reader's marker.</param>
public sealed record JournalRecord(string Id, string Tenant, string Partition, IReadOnlyList<string> Delivered, long At, int Attempt, string? Marker = null)
{
    public byte[] ToJson() => JsonSerializer.SerializeToUtf8Bytes(this, JournalJsonContext.Default.JournalRecord);

    /// <summary>Null for anything that is not a record (the journal is read, never trusted to be well formed).</summary>
    public static JournalRecord? FromJson(ReadOnlySpan<byte> json)
    {
        try
        {
            return JsonSerializer.Deserialize(json, JournalJsonContext.Default.JournalRecord);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(JournalRecord))]
internal sealed partial class JournalJsonContext : JsonSerializerContext;
