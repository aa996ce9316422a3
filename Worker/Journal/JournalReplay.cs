using Sluice.Worker.Scheduling;

namespace Sluice.Worker.Journal;

/// <summary>
/// What a journal's tail tells a new owner: which pairs were delivered (into the index), how many permits
/// of which windows the previous owners used and when, whether a ban suspension is still running, and
/// when the egress last sent, and which waiting lanes may hold mail. Pure; fed the records in stream order.
/// </summary>
/// <param name="index">Receives every delivered (message id, recipient) pair.</param>
/// <param name="unsettledBound">
/// How long a transaction can last at most. One that has a <c>sending</c> entry and no <c>settled</c> one
/// (its owner died mid-send) counts as having ended that long after it started, or now if that is sooner.
/// </param>
public sealed class JournalReplay(DeliveryIndex index, TimeSpan unsettledBound)
{
    private readonly Dictionary<string, JournalRecord> _open = new(StringComparer.Ordinal);
    private readonly List<WindowCharge> _charges = [];
    private readonly HashSet<string> _lanes = new(StringComparer.Ordinal);
    private readonly Dictionary<string, DateTimeOffset> _partitionSuspensions = new(StringComparer.Ordinal);

    /// <summary>Transactions read (settled or not).</summary>
    public int Transactions { get; private set; }

    /// <summary>The end of the latest ban suspension recorded for each partition a receiver banned.</summary>
    public IReadOnlyDictionary<string, DateTimeOffset> PartitionSuspensions => _partitionSuspensions;

    /// <summary>The latest ban suspension of the whole egress recorded, if any.</summary>
    public JournalRecord? Suspension { get; private set; }

    /// <summary>The partitions whose waiting lane was opened and not removed since.</summary>
    public IReadOnlyCollection<string> OpenLanes => _lanes;

    /// <summary>When the last transaction read started (null: none in the tail).</summary>
    public DateTimeOffset? LastSend { get; private set; }

    public void Add(JournalRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        switch (record.Kind)
        {
            case JournalRecord.SendingKind when record.Tx is { } tx:
                _open[tx] = record;
                Transactions++;
                LastSend = Later(LastSend, record.Time);
                break;
            case JournalRecord.SettledKind when record.Tx is { } tx:
                if (!_open.Remove(tx))
                {
                    // Its start is older than the tail that was read.
                    Transactions++;
                }

                index.Add(record);
                _charges.Add(ChargeOf(record, record.Time));
                break;
            case JournalRecord.SuspendedKind when record.Until is { } until:
                if (record.Partition is { } banned)
                {
                    _partitionSuspensions[banned] = DateTimeOffset.FromUnixTimeMilliseconds(until);
                }
                else
                {
                    Suspension = record;
                }

                break;
            case JournalRecord.LaneKind when record.Partition is { } partition:
                if (record.Open)
                {
                    _lanes.Add(partition);
                }
                else
                {
                    _lanes.Remove(partition);
                }

                break;
        }
    }

    /// <summary>Every transaction's permits and the moment they started to count, oldest first.</summary>
    public IReadOnlyList<WindowCharge> Charges(DateTimeOffset now)
    {
        var all = new List<WindowCharge>(_charges);
        foreach (var unsettled in _open.Values)
        {
            var end = unsettled.Time + unsettledBound;
            all.Add(ChargeOf(unsettled, end < now ? end : now));
        }

        all.Sort((a, b) => a.At.CompareTo(b.At));
        return all;
    }

    private static WindowCharge ChargeOf(JournalRecord record, DateTimeOffset at) =>
        new(record.Partition ?? string.Empty, record.Tenant ?? string.Empty, record.Permits, at);

    private static DateTimeOffset Later(DateTimeOffset? a, DateTimeOffset b) => a is { } x && x > b ? x : b;
}
