namespace Sluice.Worker.Scheduling;

/// <summary>
/// The ban breaker: a ban reply suspends the whole egress (no sends at all) until the suspension ends
/// or an operator resumes the egress. Messages are kept, never failed.
/// </summary>
public sealed class EgressBreaker(TimeProvider time)
{
    private readonly Lock _gate = new();
    private DateTimeOffset _suspendedUntil = DateTimeOffset.MinValue;
    private DateTimeOffset _trippedAt = DateTimeOffset.MinValue;

    /// <summary>Raised when the suspension starts or is lifted by hand.</summary>
    public event Action? Changed;

    /// <summary>The end of the suspension, or null when the egress is not suspended.</summary>
    public DateTimeOffset? SuspendedUntil
    {
        get
        {
            lock (_gate)
            {
                return _suspendedUntil > time.GetUtcNow() ? _suspendedUntil : null;
            }
        }
    }

    /// <summary>
    /// Suspends the egress until <paramref name="until"/>; returns false if it already was. <paramref name="trippedAt"/>
    /// is when the ban came (a new owner restoring it from the journal), so an operator's later resume still lifts it.
    /// </summary>
    public bool Trip(DateTimeOffset until, DateTimeOffset? trippedAt = null)
    {
        bool tripped;
        lock (_gate)
        {
            tripped = _suspendedUntil <= time.GetUtcNow();
            if (tripped)
            {
                _trippedAt = trippedAt ?? time.GetUtcNow();
            }

            if (until > _suspendedUntil)
            {
                _suspendedUntil = until;
            }
        }

        Changed?.Invoke();
        return tripped;
    }

    /// <summary>Lifts the suspension if the operator's resume came after it began (not a replayed old resume); true if it did.</summary>
    public bool Reset(DateTimeOffset requestedAt)
    {
        lock (_gate)
        {
            if (requestedAt <= _trippedAt || _suspendedUntil <= time.GetUtcNow())
            {
                return false;
            }

            _suspendedUntil = DateTimeOffset.MinValue;
        }

        Changed?.Invoke();
        return true;
    }
}
