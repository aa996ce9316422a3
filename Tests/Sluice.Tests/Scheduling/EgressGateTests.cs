using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Sluice.Worker.Retry;
using Sluice.Worker.Scheduling;

namespace Sluice.Tests.Scheduling;

public sealed class EgressGateTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 28, 12, 0, 0, TimeSpan.Zero));

    [Fact]
    public void Many_senders_failing_at_once_count_as_one_failure_of_the_smarthost()
    {
        var gate = new EgressGate(Options.Create(new RetryOptions
        {
            InitialConnectionBackoff = TimeSpan.FromSeconds(1),
            MaxConnectionBackoff = TimeSpan.FromMinutes(1),
        }), _time);

        var backoffs = new List<double>();
        for (int round = 0; round < 4; round++)
        {
            // 16 senders find the smarthost down in the same moment.
            backoffs.Add(Enumerable.Range(0, 16).Select(_ => gate.Failed()).Max().TotalSeconds);
            _time.Advance(gate.ClosedUntil - _time.GetUtcNow());
        }

        Assert.Equal([1, 2, 4, 8], backoffs);
        Assert.Equal(TimeSpan.FromSeconds(15), gate.Outage);
        gate.Succeeded();
        Assert.Equal(TimeSpan.Zero, gate.Outage);
    }

    [Fact]
    public void It_tells_once_when_the_smarthost_starts_failing_and_once_when_it_works_again()
    {
        var gate = new EgressGate(Options.Create(new RetryOptions()), _time);
        var seen = new List<bool>();
        gate.Changed += () => seen.Add(gate.Failing);

        gate.Succeeded();
        gate.Failed();
        gate.Failed();
        _time.Advance(gate.ClosedUntil - _time.GetUtcNow());
        gate.Failed();
        gate.Succeeded();
        gate.Succeeded();

        Assert.Equal([true, false], seen);
    }
}
