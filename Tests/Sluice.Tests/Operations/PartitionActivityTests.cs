using Microsoft.Extensions.Time.Testing;
using Sluice.Worker.Status;

namespace Sluice.Tests.Operations;

/// <summary>The per-partition figures status shows: delivered in the last minute, the last reply, the oldest waiting message.</summary>
public sealed class PartitionActivityTests
{
    private static readonly DateTimeOffset Start = new(2026, 12, 3, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Delivered_counts_only_the_last_minute_and_the_last_reply_is_kept()
    {
        var time = new FakeTimeProvider(Start);
        var activity = new PartitionActivity(time);
        activity.Delivered("a.example", 3);
        time.Advance(TimeSpan.FromSeconds(30));
        activity.Delivered("a.example", 2);
        activity.Replied("a.example", "250 2.0.0 queued");
        Assert.Equal((5L, "250 2.0.0 queued", (DateTimeOffset?)Start.AddSeconds(30)), activity.Of("a.example"));

        // A minute after the first delivery only the second counts; after another minute neither does.
        time.Advance(TimeSpan.FromSeconds(30));
        Assert.Equal(2, activity.Of("a.example").DeliveredLastMinute);
        time.Advance(TimeSpan.FromSeconds(60));
        Assert.Equal(0, activity.Of("a.example").DeliveredLastMinute);
        Assert.Equal(0, activity.Of("b.example").DeliveredLastMinute);
    }

    [Fact]
    public void The_oldest_waiting_message_is_the_oldest_that_left_and_has_not_come_back()
    {
        var backlog = new DomainBacklog();
        backlog.Left("a.example", Start.AddSeconds(10));
        backlog.Left("a.example", Start);
        backlog.Left("a.example", Start);
        Assert.Equal(Start, backlog.OldestAccepted("a.example"));

        backlog.Returned("a.example", Start);
        Assert.Equal(Start, backlog.OldestAccepted("a.example"));
        backlog.Returned("a.example", Start);
        Assert.Equal(Start.AddSeconds(10), backlog.OldestAccepted("a.example"));

        // One the owner never saw leave (it took over since) changes nothing.
        backlog.Returned("a.example", Start.AddSeconds(5));
        Assert.Equal(Start.AddSeconds(10), backlog.OldestAccepted("a.example"));
        backlog.Returned("a.example", Start.AddSeconds(10));
        Assert.Null(backlog.OldestAccepted("a.example"));
        Assert.Equal(0, backlog.Snapshot()["a.example"]);
    }
}
