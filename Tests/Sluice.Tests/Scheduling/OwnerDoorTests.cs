using System.Threading.Channels;
using RabbitMQ.Client;
using Sluice.Worker.Scheduling;

namespace Sluice.Tests.Scheduling;

/// <summary>The door through which intake hands fresh mail to a local owner's senders: bounded, and never a trap.</summary>
public sealed class OwnerDoorTests
{
    private readonly Channel<EgressWork> _senders = Channel.CreateUnbounded<EgressWork>();

    [Fact]
    public async Task A_message_goes_in_while_there_is_a_place_and_the_next_waits_for_one_to_be_settled()
    {
        using var door = new OwnerDoor(_senders.Writer, capacity: 1, sending: () => true);

        Assert.True(await door.TryHandOverAsync(Work(1)));
        var second = door.TryHandOverAsync(Work(2));
        Assert.False(second.IsCompleted);

        door.Left();
        Assert.True(await second);
        Assert.Equal([1UL, 2UL], Taken());
        Assert.Equal(1, door.Inside);
    }

    [Fact]
    public async Task No_more_handlers_wait_than_there_are_places_the_rest_are_refused_at_once()
    {
        using var door = new OwnerDoor(_senders.Writer, capacity: 1, sending: () => true);
        Assert.True(await door.TryHandOverAsync(Work(1)));
        var waiting = door.TryHandOverAsync(Work(2));

        Assert.False(await door.TryHandOverAsync(Work(3)));
        door.Left();
        Assert.True(await waiting);
        Assert.Equal([1UL, 2UL], Taken());
    }

    [Fact]
    public async Task A_handler_that_may_not_wait_is_turned_away_from_a_full_door_at_once()
    {
        using var door = new OwnerDoor(_senders.Writer, capacity: 1, sending: () => true);
        Assert.True(await door.TryHandOverAsync(Work(1), mayWait: false));

        Assert.False(await door.TryHandOverAsync(Work(2), mayWait: false));
        door.Left();
        Assert.True(await door.TryHandOverAsync(Work(3), mayWait: false));
        Assert.Equal([1UL, 3UL], Taken());
    }

    [Fact]
    public async Task Closing_the_door_turns_its_waiting_handlers_away_and_nothing_more_goes_in()
    {
        using var door = new OwnerDoor(_senders.Writer, capacity: 1, sending: () => true);
        Assert.True(await door.TryHandOverAsync(Work(1)));
        var waiting = door.TryHandOverAsync(Work(2));

        door.Close();
        Assert.False(await waiting);
        door.Left();
        Assert.False(await door.TryHandOverAsync(Work(3)));
        Assert.Equal([1UL], Taken());
    }

    [Fact]
    public async Task An_owner_that_takes_no_mail_now_is_not_handed_any_and_keeps_its_places()
    {
        bool sending = false;
        using var door = new OwnerDoor(_senders.Writer, capacity: 1, sending: () => sending);

        Assert.False(await door.TryHandOverAsync(Work(1)));
        Assert.Equal(0, door.Inside);
        sending = true;
        Assert.True(await door.TryHandOverAsync(Work(2)));
        Assert.Equal([2UL], Taken());
    }

    [Fact]
    public async Task A_waiting_handler_whose_owner_stopped_taking_mail_meanwhile_gives_its_place_back()
    {
        bool sending = true;
        using var door = new OwnerDoor(_senders.Writer, capacity: 1, sending: () => sending);
        Assert.True(await door.TryHandOverAsync(Work(1)));
        var waiting = door.TryHandOverAsync(Work(2));

        sending = false;
        door.Left();
        Assert.False(await waiting);
        Assert.Equal(0, door.Inside);
    }

    [Fact]
    public async Task A_recheck_turns_away_the_waiting_handlers_of_an_owner_that_stopped_taking_mail_and_leaves_the_others_waiting()
    {
        bool sending = true;
        using var door = new OwnerDoor(_senders.Writer, capacity: 1, sending: () => sending);
        Assert.True(await door.TryHandOverAsync(Work(1)));
        var waiting = door.TryHandOverAsync(Work(2));

        door.Recheck();
        Assert.False(waiting.IsCompleted);
        sending = false;
        door.Recheck();
        Assert.False(await waiting);
        Assert.Equal(1, door.Inside);
    }

    [Fact]
    public async Task Senders_that_take_no_more_work_are_not_handed_any()
    {
        using var door = new OwnerDoor(_senders.Writer, capacity: 2, sending: () => true);
        _senders.Writer.Complete();

        Assert.False(await door.TryHandOverAsync(Work(1)));
        Assert.Equal(0, door.Inside);
    }

    private List<ulong> Taken()
    {
        var tags = new List<ulong>();
        while (_senders.Reader.TryRead(out var work))
        {
            tags.Add(work.DeliveryTag);
        }

        return tags;
    }

    private static EgressWork Work(ulong tag) => new(ReadOnlyMemory<byte>.Empty, new BasicProperties(), tag, FromDue: false, Settler: null!);
}
