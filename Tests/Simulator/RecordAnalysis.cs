namespace Sluice.Simulator;

/// <summary>Judgements over the simulator's record (never over the worker's own counters).</summary>
public static class RecordAnalysis
{
    /// <summary>The largest number of RCPT attempts to <paramref name="partition"/> in any window of <paramref name="window"/>.</summary>
    public static int MaxAttemptsInAnyWindow(IEnumerable<ReplyRecord> records, string partition, TimeSpan window)
    {
        var times = records
            .Where(r => r.Stage == ReplyRecord.RcptStage && r.Partition == partition)
            .Select(r => r.At)
            .Order()
            .ToList();
        int best = 0;
        int start = 0;
        for (int end = 0; end < times.Count; end++)
        {
            while (times[end] - times[start] >= window)
            {
                start++;
            }

            best = Math.Max(best, end - start + 1);
        }

        return best;
    }

    /// <summary>
    /// Accepted recipients of <paramref name="partition"/> ÷ what its limit allows over the time they
    /// span: <c>limit × (span + window) ÷ window</c>, the most a sender that respects "at most limit in
    /// any window" can get accepted between its first and last acceptance (1.00 = not a slot wasted).
    /// </summary>
    public static double Utilization(IEnumerable<ReplyRecord> records, string partition, int limit, TimeSpan window)
    {
        var times = records
            .Where(r => r.Stage == ReplyRecord.RcptStage && r.Partition == partition && r.IsAccepted)
            .Select(r => r.At)
            .Order()
            .ToList();
        if (times.Count == 0)
        {
            return 0;
        }

        double windows = ((times[^1] - times[0]) + window) / window;
        return times.Count / (limit * windows);
    }

    /// <summary>How many times each (Message-ID, recipient) was stored.</summary>
    public static Dictionary<(string? MessageId, string Recipient), int> Deliveries(IEnumerable<ReplyRecord> records) =>
        records.Where(r => r.Stage == ReplyRecord.DataStage)
            .GroupBy(r => (r.MessageId, r.Recipient))
            .ToDictionary(g => g.Key, g => g.Count());
}
