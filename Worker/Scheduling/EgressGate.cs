using Microsoft.Extensions.Options;
using Sluice.Worker.Retry;

namespace Sluice.Worker.Scheduling;

/// <summary>
/// Backs the whole egress off when the smarthost cannot be reached (connect, TLS, AUTH, I/O):
/// every sender waits, with exponential backoff, and the messages stay where they are.
/// </summary>
public sealed class EgressGate(IOptions<RetryOptions> options, TimeProvider time)
{
    private readonly Lock _gate = new();
    private int _failures;
    private DateTimeOffset _closedUntil = DateTimeOffset.MinValue;
    private DateTimeOffset _failingSince = DateTimeOffset.MaxValue;
    private string? _fault;

    /// <summary>What the smarthost did wrong last (a word and a sentence), while it is failing; null once it works.</summary>
    public string? Fault
    {
        get
        {
            lock (_gate)
            {
                return _fault;
            }
        }
    }

    /// <summary>Raised when the smarthost starts failing, and when it works again.</summary>
    public event Action? Changed;

    /// <summary>True from the first failure until a send or connect succeeds again.</summary>
    public bool Failing
    {
        get
        {
            lock (_gate)
            {
                return _failures > 0;
            }
        }
    }

    public DateTimeOffset ClosedUntil
    {
        get
        {
            lock (_gate)
            {
                return _closedUntil;
            }
        }
    }

    /// <summary>How long the smarthost has been failing (zero while it works).</summary>
    public TimeSpan Outage
    {
        get
        {
            lock (_gate)
            {
                var now = time.GetUtcNow();
                return _failingSince < now ? now - _failingSince : TimeSpan.Zero;
            }
        }
    }

    /// <summary>Records a failure (<paramref name="fault"/> says what went wrong) and returns how long the egress now waits.</summary>
    public TimeSpan Failed(string? fault = null) => Failed(fault, out _);

    /// <summary>As <see cref="Failed(string?)"/>; <paramref name="closedAnew"/> is false for another witness of a failure already counted.</summary>
    public TimeSpan Failed(string? fault, out bool closedAnew)
    {
        bool started;
        TimeSpan backoff;
        lock (_gate)
        {
            bool working = _failures == 0;
            backoff = Fail(fault, out closedAnew);
            started = working && _failures > 0;
        }

        if (started)
        {
            Changed?.Invoke();
        }

        return backoff;
    }

    public void Succeeded()
    {
        bool ended;
        lock (_gate)
        {
            ended = _failures > 0;
            _failures = 0;
            _fault = null;
            _closedUntil = DateTimeOffset.MinValue;
            _failingSince = DateTimeOffset.MaxValue;
        }

        if (ended)
        {
            Changed?.Invoke();
        }
    }

    /// <summary>The failure counted, under the lock; returns the back-off.</summary>
    private TimeSpan Fail(string? fault, out bool closedAnew)
    {
        var now = time.GetUtcNow();
        _fault = fault ?? _fault;
        closedAnew = _closedUntil <= now;
        if (!closedAnew)
        {
            // Another sender's attempt already failed and closed the gate: the same outage, one more
            // witness of it. Counting every sender would back off Connections times faster.
            return _closedUntil - now;
        }

        if (_failures++ == 0)
        {
            _failingSince = now;
        }

        var initial = options.Value.InitialConnectionBackoff;
        double ms = Math.Min(initial.TotalMilliseconds * Math.Pow(2, Math.Min(_failures - 1, 30)), options.Value.MaxConnectionBackoff.TotalMilliseconds);
        var backoff = TimeSpan.FromMilliseconds(ms);
        var until = now + backoff;
        if (until > _closedUntil)
        {
            _closedUntil = until;
        }

        return backoff;
    }

    /// <summary>Waits until the egress is open again.</summary>
    public async Task WaitOpenAsync(CancellationToken cancellationToken)
    {
        var wait = ClosedUntil - time.GetUtcNow();
        if (wait > TimeSpan.Zero)
        {
            await Task.Delay(wait, time, cancellationToken).ConfigureAwait(false);
        }
    }
}
