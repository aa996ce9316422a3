namespace Sluice.Worker.Control;

/// <summary>What is paused right now, as this worker has read it from the control stream.</summary>
public sealed class PauseState
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, ControlEvent> _paused = new(StringComparer.Ordinal);

    public event Action? Changed;

    /// <summary>An entry was applied (pause or resume), with who and when.</summary>
    public event Action<ControlEvent>? Applied;

    public IReadOnlyList<ControlEvent> Paused
    {
        get
        {
            lock (_gate)
            {
                return [.. _paused.Values.OrderBy(e => e.Target, StringComparer.Ordinal)];
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

        lock (_gate)
        {
            if (controlEvent.Paused)
            {
                _paused[controlEvent.Target] = controlEvent;
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
        lock (_gate)
        {
            return _paused.ContainsKey(target.ToString());
        }
    }

    /// <summary>Is mail of this egress to this domain (of this provider, if known) held back?</summary>
    public bool Holds(string egress, string domain, string? provider = null) =>
        IsPaused(new ControlTarget(ControlTargetKind.Egress, egress))
        || IsPaused(new ControlTarget(ControlTargetKind.Domain, domain))
        || (provider is not null && IsPaused(new ControlTarget(ControlTargetKind.Provider, provider)));
}
