using RabbitMQ.Client;
using Sluice.Contracts;
using Sluice.Worker.Delivery;
using Sluice.Worker.Scheduling;

namespace Sluice.Tests.Scheduling;

public sealed class WaitingLaneTests
{
    [Fact]
    public void Transactional_mail_takes_the_next_permit_ahead_of_bulk_that_waited_longer()
    {
        var lane = new WaitingLane("provider:microsoft", "mail.lane.default.provider:microsoft", bulkShare: 0);
        lane.Hold(Work(1), Envelope(MailPriority.Bulk));
        lane.Hold(Work(2), Envelope(MailPriority.Bulk));
        lane.Hold(Work(3), Envelope(MailPriority.Transactional));

        Assert.Equal([3UL, 1UL, 2UL], Drain(lane, 3));
    }

    [Fact]
    public void Bulk_keeps_its_share_of_the_permits_under_a_steady_stream_of_transactional_mail()
    {
        var lane = new WaitingLane("x.example", "mail.lane.default.x.example", bulkShare: 0.25);
        for (ulong i = 1; i <= 4; i++)
        {
            lane.Hold(Work(100 + i), Envelope(MailPriority.Bulk));
        }

        for (ulong i = 1; i <= 12; i++)
        {
            lane.Hold(Work(i), Envelope(MailPriority.Transactional));
        }

        var picks = Drain(lane, 16);

        // One pick in four goes to bulk while both wait: bulk is not starved, transactional still leads.
        Assert.Equal([1UL, 2UL, 3UL, 4UL, 101UL, 5UL, 6UL, 7UL, 8UL, 102UL, 9UL, 10UL, 11UL, 12UL, 103UL, 104UL], picks);
    }

    [Fact]
    public void A_message_given_back_is_picked_first_again_and_stopping_takes_everything()
    {
        var lane = new WaitingLane("x.example", "mail.lane.default.x.example", bulkShare: 0.1);
        lane.Hold(Work(1), Envelope(MailPriority.Bulk));
        lane.Hold(Work(2), Envelope(MailPriority.Bulk));
        var first = lane.Peek()!;
        lane.Take(first);
        lane.Return(first.Work, first.Envelope);

        Assert.Equal(1UL, lane.Peek()!.Work.DeliveryTag);
        Assert.Equal(2, lane.TakeAll().Count);
        Assert.Null(lane.Peek());
        Assert.Equal(0, lane.Count);
    }

    private static List<ulong> Drain(WaitingLane lane, int count)
    {
        var picks = new List<ulong>();
        for (int i = 0; i < count; i++)
        {
            var next = lane.Peek()!;
            lane.Take(next);
            picks.Add(next.Work.DeliveryTag);
        }

        Assert.Null(lane.Peek());
        return picks;
    }

    private static EgressWork Work(ulong tag) => new(ReadOnlyMemory<byte>.Empty, new BasicProperties(), tag, FromDue: false, Settler: null!);

    private static EgressEnvelope Envelope(MailPriority priority) => new(
        new OutboundMail
        {
            SchemaVersion = OutboundMail.CurrentSchemaVersion,
            Id = Guid.NewGuid().ToString("N"),
            Tenant = "t",
            From = new EmailAddress { Address = "a@sender.example" },
            To = [new EmailAddress { Address = "b@x.example" }],
            Subject = "s",
            Text = "t",
            Priority = priority,
            CreatedAt = DateTimeOffset.UnixEpoch,
        },
        "x.example", ["b@x.example"], 0, DateTimeOffset.UnixEpoch, null, false);
}
