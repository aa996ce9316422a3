using Microsoft.Extensions.Time.Testing;
using Sluice.Worker.Journal;

namespace Sluice.Tests.Journal;

public sealed class DeliveryIndexTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 3, 9, 0, 0, TimeSpan.Zero));

    [Fact]
    public void A_delivered_pair_is_known_for_its_message_and_recipient_only()
    {
        var index = new DeliveryIndex(TimeSpan.FromDays(3), _time);
        index.Add("m1", ["Ann@one.example"], _time.GetUtcNow().ToUnixTimeMilliseconds());

        Assert.True(index.WasDelivered("m1", "ann@one.example"));
        Assert.False(index.WasDelivered("m1", "bob@one.example"));
        Assert.False(index.WasDelivered("m2", "ann@one.example"));
    }

    [Fact]
    public void Two_sends_of_one_pair_cannot_be_in_flight_at_once()
    {
        var index = new DeliveryIndex(TimeSpan.FromDays(3), _time);
        Assert.True(index.TryClaim("m1", ["ann@one.example", "bob@one.example"]));
        Assert.False(index.TryClaim("m1", ["bob@one.example"]));
        Assert.True(index.TryClaim("m1", ["cat@one.example"]));

        index.Release("m1", ["ann@one.example", "bob@one.example"]);
        Assert.True(index.TryClaim("m1", ["bob@one.example"]));
    }

    [Fact]
    public void Pairs_older_than_the_window_are_forgotten()
    {
        var index = new DeliveryIndex(TimeSpan.FromHours(1), _time);
        index.Add("old", ["ann@one.example"], _time.GetUtcNow().ToUnixTimeMilliseconds());
        _time.Advance(TimeSpan.FromMinutes(90));
        index.Add("new", ["ann@one.example"], _time.GetUtcNow().ToUnixTimeMilliseconds());

        Assert.False(index.WasDelivered("old", "ann@one.example"));
        Assert.True(index.WasDelivered("new", "ann@one.example"));
        Assert.Equal(1, index.Count);
    }
}
