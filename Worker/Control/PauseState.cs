namespace Sluice.Worker.Control;

/// <summary>
/// What is paused right now, as this worker has read it from the control stream. A pause with an end (<c>--until</c>)
/// lapses by itself then, and <see cref="Changed"/> is raised as if it had been resumed.
/// </summary>
public sealed class PauseState(TimeProvider time)
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, ControlEvent> _paused = new(StringComparer.Ordinal);
    private readonly List<ITimer> _lapses = [];

    public PauseState()
        : this(TimeProvider.System)
    {
    }

    public event Action? Changed;

    /// <summary>An entry was applied (pause or resume), with who and when.</summary>
    public event Action<ControlEvent>? Applied;

    public IReadOnlyList<ControlEvent> Paused
    {
        get
        {
            var now = time.GetUtcNow();
            lock (_gate)
            {
                return [.. _paused.Values.Where(e => !(e.Until <= now)).OrderBy(e => e.Target, StringComparer.Ordinal)];
            }
        }
    }

    public void Apply(ControlEvent controlEvent)
    {
        ArgumentNullException.ThrowIfNull(controlEvent);
        if (controlEvent.IsMarker)
        {
            return;
        }

        if (controlEvent.RetryNow)
        {
            // Changes no pause: the owners act on it (Applied), and whatever waits looks again (Changed).
            Applied?.Invoke(controlEvent);
            Changed?.Invoke();
            return;
        }

        lock (_gate)
        {
            if (controlEvent.Renewed is not null)
            {
                // A renewal only refreshes the pause it copies: one resumed (or replaced) meanwhile stays as it is.
                if (_paused.TryGetValue(controlEvent.Target, out var current) && current.At == controlEvent.At)
                {
                    _paused[controlEvent.Target] = controlEvent;
                }

                return;
            }

            if (controlEvent.Paused)
            {
                _paused[controlEvent.Target] = controlEvent;
                if (controlEvent.Until is { } until && until > time.GetUtcNow())
                {
                    // Workers that follow the stream learn of the end from their own clock: whatever waits on a change
                    // (an egress's consumers, the lanes) looks again when it comes.
                    _lapses.Add(time.CreateTimer(_ => Changed?.Invoke(), null, until - time.GetUtcNow(), Timeout.InfiniteTimeSpan));
                }
            }
            else
            {
                _paused.Remove(controlEvent.Target);
            }
        }

        Applied?.Invoke(controlEvent);
        Changed?.Invoke();
    }

    public bool IsPaused(ControlTarget target)
    {
        ArgumentNullException.ThrowIfNull(target);
        var now = time.GetUtcNow();
        lock (_gate)
        {
            return _paused.TryGetValue(target.ToString(), out var pause) && !(pause.Until <= now);
        }
    }

    /// <summary>Is mail of this egress to this domain (of this provider, if known; of this tenant, if given) held back?</summary>
    public bool Holds(string egress, string domain, string? provider = null, string? tenant = null) =>
        IsPaused(new ControlTarget(ControlTargetKind.Egress, egress))
        || IsPaused(new ControlTarget(ControlTargetKind.Domain, domain))
        || (provider is not null && IsPaused(new ControlTarget(ControlTargetKind.Provider, provider)))
        || (tenant is not null && IsPaused(new ControlTarget(ControlTargetKind.Tenant, tenant)));
}
