namespace Sluice.Worker.Scheduling;

/// <summary>
/// Virtual scheduling for mail over its domain's budget: each deferred message is given the moment a
/// permit will be free for it, laid onto the limiter's own schedule (when each permit comes back, and
/// again a window later for every further round), as if the domain's backlog went out at exactly its
/// limit. So a message comes back from the delay tiers about when it can be sent, and a backlog of N
/// moves through the broker a bounded number of times instead of once per retry interval. Also holds
/// per-domain cool-downs after a throttle reply. Only the egress's owner uses it: in-process state.
/// </summary>
public sealed class SlotPlanner(TimeProvider time, WarmUpRamp? ramp = null)
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, Plan> _plans = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (DateTimeOffset Since, DateTimeOffset Until)> _cooling = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (DateTimeOffset Since, DateTimeOffset Until)> _suspended = new(StringComparer.Ordinal);

    /// <summary>Reserves the next free slot of a limit level (a partition, a tenant, the egress) for a message.</summary>
    /// <param name="domain">The level's key (for a partition: the provider or domain the cool-downs are kept for).</param>
    /// <param name="recipients">The message's recipients (permits).</param>
    /// <param name="limiter">The level's limiter, asked for its permits' free times when a new plan starts.</param>
    /// <param name="missedSlot">
    /// For a message whose reserved slot came but whose permit was not free: the slot it missed. A plan
    /// made before that moment assumed the sends ahead of it went out on time, and they did not (the
    /// worker was busy with other domains' slots), so a new plan is laid onto the limiter's present
    /// schedule, and this and the following refused messages each get a permit of their own.
    /// </param>
    public DateTimeOffset Reserve(string domain, int recipients, SlidingLogRateLimiter limiter, DateTimeOffset? missedSlot = null)
    {
        ArgumentNullException.ThrowIfNull(limiter);
        int permitLimit = limiter.PermitLimit;
        var round = limiter.Window;
        var now = time.GetUtcNow();
        lock (_gate)
        {
            // A plan lasts while it has slots ahead; after that the limiter's present state is the truth again.
            if (!_plans.TryGetValue(domain, out var plan) || plan.LastSlot < now || plan.MadeAt <= missedSlot)
            {
                plan = _plans[domain] = new Plan(FreeTimes(limiter), now);
            }

            int needed = Math.Min(recipients, permitLimit);
            long last = plan.Cursor + needed - 1;
            plan.Cursor += needed;
            int count = Math.Max(plan.FreeTimes.Count, 1);
            var slot = (plan.FreeTimes.Count == 0 ? now : plan.FreeTimes[(int)(last % count)]) + (round * (last / count));
            if (_cooling.TryGetValue(domain, out var cool) && cool.Until > slot)
            {
                slot = cool.Until;
            }

            if (slot > plan.LastSlot)
            {
                plan.LastSlot = slot;
            }

            return slot;
        }
    }

    /// <summary>
    /// The limiter's permit free times, each no earlier than the warm-up ramp allows it: the k-th permit
    /// of a limit L is usable once the ramp reaches k/L. A plan laid on the ramp's schedule keeps a
    /// backlog coming back as the ramp opens, not all a window later.
    /// </summary>
    private IReadOnlyList<DateTimeOffset> FreeTimes(SlidingLogRateLimiter limiter)
    {
        var times = limiter.PermitFreeTimes();
        var heldUntil = limiter.HeldUntil;

        // Off or ramped up in full (the usual case): every permit opens when the limiter says, nothing to copy.
        var own = limiter.RampsFrom;
        if (ramp is null || ramp.Factor(heldUntil, limiter.Window, own) >= 1.0)
        {
            return times;
        }

        var onRamp = new List<DateTimeOffset>(times.Count);
        for (int k = 0; k < times.Count; k++)
        {
            var opens = ramp.TimeFor((k + 1) / (double)times.Count, heldUntil, limiter.Window, own);
            onRamp.Add(opens > times[k] ? opens : times[k]);
        }

        return onRamp;
    }

    /// <summary>Pauses <paramref name="domain"/> until <paramref name="until"/> (a throttle reply).</summary>
    public void CoolDown(string domain, DateTimeOffset until)
    {
        lock (_gate)
        {
            if (!_cooling.TryGetValue(domain, out var current) || current.Until < until)
            {
                _cooling[domain] = (time.GetUtcNow(), until);
            }

            // Slots planned before the throttle assumed a rate the receiver just refused.
            _plans.Remove(domain);
        }
    }

    /// <summary>
    /// A ban issued by the partition's receiver: nothing is sent to it until <paramref name="until"/> (or an
    /// operator's resume); the rest of the egress goes on.
    /// </summary>
    public void Suspend(string partition, DateTimeOffset until, DateTimeOffset? since = null)
    {
        lock (_gate)
        {
            if (!_suspended.TryGetValue(partition, out var current) || current.Until < until)
            {
                _suspended[partition] = (since ?? time.GetUtcNow(), until);
            }
        }

        CoolDown(partition, until);
    }

    /// <summary>The end of the partition's ban suspension, or null when it is not suspended.</summary>
    public DateTimeOffset? SuspendedUntil(string partition)
    {
        var now = time.GetUtcNow();
        lock (_gate)
        {
            return _suspended.TryGetValue(partition, out var suspension) && suspension.Until > now ? suspension.Until : null;
        }
    }

    /// <summary>
    /// Ends a partition's suspension and cool-down (an operator resumed it at <paramref name="requestedAt"/>); a
    /// resume older than the ban, read again from the control stream, lifts nothing. True when it was suspended.
    /// </summary>
    public bool Lift(string partition, DateTimeOffset requestedAt)
    {
        lock (_gate)
        {
            if (!_suspended.TryGetValue(partition, out var suspension) || suspension.Since > requestedAt)
            {
                return false;
            }

            _suspended.Remove(partition);
            _cooling.Remove(partition);
            _plans.Remove(partition);
            return true;
        }
    }

    /// <summary>
    /// Ends a partition's throttle cool-down (an operator's <c>sluice retry-now</c> at <paramref name="requestedAt"/>); a
    /// request older than the cool-down, read again from the control stream, ends nothing, nor does it lift a ban
    /// (<c>resume</c> does). True when a cool-down ended.
    /// </summary>
    public bool EndCoolDown(string partition, DateTimeOffset requestedAt)
    {
        lock (_gate)
        {
            if (_suspended.ContainsKey(partition) || !_cooling.TryGetValue(partition, out var cooling) || cooling.Since > requestedAt)
            {
                return false;
            }

            return _cooling.Remove(partition);
        }
    }

    /// <summary>The end of the domain's cool-down, or null when it is not cooling down.</summary>
    public DateTimeOffset? CoolingUntil(string domain)
    {
        var now = time.GetUtcNow();
        lock (_gate)
        {
            if (_cooling.TryGetValue(domain, out var cooling))
            {
                if (cooling.Until > now)
                {
                    return cooling.Until;
                }

                _cooling.Remove(domain);
            }

            return null;
        }
    }

    private sealed class Plan(IReadOnlyList<DateTimeOffset> freeTimes, DateTimeOffset madeAt)
    {
        public IReadOnlyList<DateTimeOffset> FreeTimes { get; } = freeTimes;

        public DateTimeOffset MadeAt { get; } = madeAt;

        public long Cursor { get; set; }

        public DateTimeOffset LastSlot { get; set; } = DateTimeOffset.MinValue;
    }
}
