using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Sluice.Tests.Scheduling;
using Sluice.Worker.Journal;
using Sluice.Worker.Scheduling;

namespace Sluice.Tests.Journal;

/// <summary>A new owner's limits start from what the journal says the previous owners used.</summary>
public sealed class JournalReplayTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromMinutes(8);
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 3, 9, 0, 0, TimeSpan.Zero));

    [Fact]
    public async Task Settled_transactions_use_their_windows_from_the_moment_they_ended()
    {
        var replay = NewReplay();
        var now = _time.GetUtcNow();
        Transaction(replay, "a.example", permits: 3, started: now - TimeSpan.FromSeconds(50), ended: now - TimeSpan.FromSeconds(49));
        Transaction(replay, "a.example", permits: 4, started: now - TimeSpan.FromSeconds(90), ended: now - TimeSpan.FromSeconds(89)); // a window ago: spent no more

        using var limiters = Limiters(limit: 10);
        limiters.TakeOver(replay.Charges(now), replay.LastSend);

        Assert.Equal(10 - 3 - Concurrency, await LimitChainTests.AdmitAsync(limiters, "a.example", "t", 20));
        Assert.Equal(10, await LimitChainTests.AdmitAsync(limiters, "b.example", "t", 20));

        // The three (and the sends the journal may have missed) come back a window after their transaction ended, not after the takeover.
        _time.Advance(TimeSpan.FromSeconds(11));
        Assert.Equal(3 + Concurrency, await LimitChainTests.AdmitAsync(limiters, "a.example", "t", 20));
    }

    [Fact]
    public async Task A_transaction_its_owner_never_settled_counts_as_used_until_it_must_have_ended()
    {
        var replay = NewReplay();
        var now = _time.GetUtcNow();
        replay.Add(JournalRecord.Sending("tx-dead", "m1", "t", "a.example", 5, now - TimeSpan.FromSeconds(2)));

        using var limiters = Limiters(limit: 10);
        limiters.TakeOver(replay.Charges(now), replay.LastSend);

        Assert.Equal(10 - 5 - Concurrency, await LimitChainTests.AdmitAsync(limiters, "a.example", "t", 20));
        Assert.Equal(1, replay.Transactions);
    }

    [Fact]
    public async Task The_day_quota_continues_across_owners()
    {
        var replay = NewReplay();
        var now = _time.GetUtcNow();
        for (int i = 0; i < 30; i++)
        {
            var at = now - TimeSpan.FromHours(20) + TimeSpan.FromMinutes(i);
            Transaction(replay, $"d{i}.example", permits: 1, started: at, ended: at);
        }

        using var limiters = Limiters(limit: 1000, perDay: 40);
        limiters.TakeOver(replay.Charges(now), replay.LastSend);

        Assert.Equal(10, await LimitChainTests.AdmitAsync(limiters, "x.example", "t", 50));
    }

    [Fact]
    public void Delivered_pairs_reach_the_index_and_the_latest_ban_is_kept()
    {
        var index = new DeliveryIndex(TimeSpan.FromDays(3), _time);
        var replay = new JournalReplay(index, Bound);
        var now = _time.GetUtcNow();
        var sending = JournalRecord.Sending("tx1", "m1", "t", "a.example", 2, now);
        replay.Add(sending);
        replay.Add(JournalRecord.Settled(sending, ["ann@a.example"], 1, now));
        replay.Add(JournalRecord.Suspension(now, now + TimeSpan.FromHours(1)));
        replay.Add(JournalRecord.MarkerAt("someone-elses", now));

        Assert.True(index.WasDelivered("m1", "ann@a.example"));
        Assert.False(index.WasDelivered("m1", "bob@a.example"));
        Assert.Equal(now + TimeSpan.FromHours(1), DateTimeOffset.FromUnixTimeMilliseconds(replay.Suspension!.Until!.Value));
        Assert.Equal(now, replay.LastSend);
    }

    [Fact]
    public void A_batch_round_trips_through_json_and_garbage_reads_as_nothing()
    {
        var sending = JournalRecord.Sending("tx1", "m1", "t", "a.example", 2, _time.GetUtcNow());
        var settled = JournalRecord.Settled(sending, ["ann@a.example"], 2, _time.GetUtcNow(), "uncertain");

        var read = Assert.Single(JournalRecord.ReadBatch(JournalRecord.ToJson([settled])));
        Assert.Equal(JournalRecord.SettledKind, read.Kind);
        Assert.Equal(("tx1", "m1", 2, 2, "uncertain"), (read.Tx, read.Id, read.Permits, read.Attempt, read.Outcome));
        Assert.Equal(["ann@a.example"], read.Delivered);
        Assert.Empty(JournalRecord.ReadBatch("{not json"u8));
        Assert.Empty(JournalRecord.ReadBatch("[{\"at\":1}]"u8)); // no kind: not a record
    }

    [Fact]
    public async Task A_quiet_egress_ramps_up_after_the_takeover_and_a_busy_one_carries_on()
    {
        var now = _time.GetUtcNow();
        var busy = NewReplay();
        Transaction(busy, "a.example", permits: 1, started: now - TimeSpan.FromSeconds(2), ended: now - TimeSpan.FromSeconds(2));
        var quiet = NewReplay();
        Transaction(quiet, "a.example", permits: 1, started: now - TimeSpan.FromMinutes(10), ended: now - TimeSpan.FromMinutes(10));

        using var carriesOn = Limiters(limit: 100, warmUp: true);
        carriesOn.TakeOver(busy.Charges(now), busy.LastSend);
        using var ramps = Limiters(limit: 100, warmUp: true);
        ramps.TakeOver(quiet.Charges(now), quiet.LastSend);

        Assert.Equal(1.0, carriesOn.WarmUp.Factor());
        Assert.Equal(0.25, ramps.WarmUp.Factor());
        Assert.Equal(25, await LimitChainTests.AdmitAsync(ramps, "b.example", "t", 100));
    }

    private JournalReplay NewReplay() => new(new DeliveryIndex(TimeSpan.FromDays(3), _time), Bound);

    private static void Transaction(JournalReplay replay, string partition, int permits, DateTimeOffset started, DateTimeOffset ended)
    {
        var sending = JournalRecord.Sending(Guid.NewGuid().ToString("N"), Guid.NewGuid().ToString("N"), "t", partition, permits, started);
        replay.Add(sending);
        replay.Add(JournalRecord.Settled(sending, [], 1, ended));
    }

    /// <summary>
    /// Transactions a partition allows at once: a new owner also counts this many sends the journal may have missed
    /// (a record is written with its transaction, so a kill can beat it), as of the partition's last record.
    /// </summary>
    private const int Concurrency = 2;

    private EgressLimiters Limiters(int limit, int? perDay = null, bool warmUp = false)
    {
        var options = new LimitOptions
        {
            Margin = TimeSpan.Zero,
            Default = new DomainLimit { PermitLimit = limit, Window = TimeSpan.FromMinutes(1), Concurrency = Concurrency },
            WarmUp = new WarmUpOptions { Enabled = warmUp },
        };
        options.Egress.PerDay = perDay;
        return new EgressLimiters(Options.Create(options), _time);
    }
}
