using System.Text.Json;
using System.Text.Json.Serialization;

namespace Sluice.Worker.Journal;

/// <summary>
/// One entry of an egress's delivery journal. An SMTP transaction leaves two: <see cref="Sending"/>,
/// published before the first byte goes to the receiver, and <see cref="Settled"/> when it is over, with
/// the recipients the receiver accepted. Together they let a new owner count exactly what the previous
/// one used of every window (a transaction that never settled, because its owner died mid-send, counts
/// as used until it must have ended). A <see cref="Suspension"/> entry carries a ban across owners, a
/// <see cref="LaneState"/> entry tells the next owner which waiting lanes hold mail; a marker only marks a
/// reader's place.
/// </summary>
/// <param name="Kind">What the entry records: <c>sending</c>, <c>settled</c>, <c>suspended</c>, <c>lane</c> or <c>marker</c>.</param>
/// <param name="At">When it happened (Unix milliseconds); for <c>settled</c>, when the transaction ended.</param>
public sealed record JournalRecord(string Kind, long At)
{
    public const string SendingKind = "sending";
    public const string SettledKind = "settled";
    public const string SuspendedKind = "suspended";
    public const string MarkerKind = "marker";
    public const string LaneKind = "lane";

    /// <summary>The transaction a <c>sending</c> and its <c>settled</c> entry share.</summary>
    public string? Tx { get; init; }

    /// <summary>The producer's message id.</summary>
    public string? Id { get; init; }

    public string? Tenant { get; init; }

    /// <summary>The limit partition the transaction counted in.</summary>
    public string? Partition { get; init; }

    /// <summary>The recipients the transaction carried: the permits it took from every limit of its chain.</summary>
    public int Permits { get; init; }

    /// <summary>The recipients the receiver accepted (settled entries).</summary>
    public IReadOnlyList<string>? Delivered { get; init; }

    /// <summary>The message's attempt number (settled entries).</summary>
    public int Attempt { get; init; }

    /// <summary>How a settled transaction ended when no reply settled it: <c>uncertain</c> or <c>connection-failed</c>.</summary>
    public string? Outcome { get; init; }

    /// <summary>The end of a ban suspension (Unix milliseconds; suspended entries).</summary>
    public long? Until { get; init; }

    /// <summary>Whether the partition's waiting lane was opened (true) or removed (lane entries).</summary>
    public bool Open { get; init; }

    /// <summary>A reader's own marker.</summary>
    public string? Marker { get; init; }

    public static JournalRecord Sending(string tx, string id, string tenant, string partition, int permits, DateTimeOffset at) =>
        new(SendingKind, at.ToUnixTimeMilliseconds()) { Tx = tx, Id = id, Tenant = tenant, Partition = partition, Permits = permits };

    public static JournalRecord Settled(JournalRecord sending, IReadOnlyList<string> delivered, int attempt, DateTimeOffset endedAt, string? outcome = null)
    {
        ArgumentNullException.ThrowIfNull(sending);
        return sending with { Kind = SettledKind, At = endedAt.ToUnixTimeMilliseconds(), Delivered = delivered, Attempt = attempt, Outcome = outcome };
    }

    /// <summary>A ban suspension of the egress, or (with <paramref name="partition"/>) of one partition.</summary>
    public static JournalRecord Suspension(DateTimeOffset at, DateTimeOffset until, string? partition = null) =>
        new(SuspendedKind, at.ToUnixTimeMilliseconds()) { Until = until.ToUnixTimeMilliseconds(), Partition = partition };

    /// <summary>A waiting lane of <paramref name="partition"/> was opened (it may hold mail from now on) or removed.</summary>
    public static JournalRecord LaneState(string partition, bool open, DateTimeOffset at) =>
        new(LaneKind, at.ToUnixTimeMilliseconds()) { Partition = partition, Open = open };

    public static JournalRecord MarkerAt(string marker, DateTimeOffset at) => new(MarkerKind, at.ToUnixTimeMilliseconds()) { Marker = marker };

    public DateTimeOffset Time => DateTimeOffset.FromUnixTimeMilliseconds(At);

    /// <summary>One stream message: a JSON array of records (the journal is written in batches).</summary>
    public static byte[] ToJson(IEnumerable<JournalRecord> records) =>
        JsonSerializer.SerializeToUtf8Bytes(records.ToArray(), JournalJsonContext.Default.JournalRecordArray);

    /// <summary>The records of one stream message; none for anything that is not a batch of records.</summary>
    public static IReadOnlyList<JournalRecord> ReadBatch(ReadOnlySpan<byte> json)
    {
        try
        {
            return JsonSerializer.Deserialize(json, JournalJsonContext.Default.JournalRecordArray) is { } records
                ? [.. records.Where(r => r is { Kind: not null })]
                : [];
        }
        catch (JsonException)
        {
            return [];
        }
    }
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingDefault)]
[JsonSerializable(typeof(JournalRecord[]))]
internal sealed partial class JournalJsonContext : JsonSerializerContext;
