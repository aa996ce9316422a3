using Microsoft.Extensions.Options;

namespace Sluice.Worker.Scheduling;

/// <summary>
/// Virtual scheduling for mail that is over its domain's budget: each deferred message is given the
/// slot it would get if the domain's backlog went out at exactly the domain's rate, so it comes back
/// from the delay tiers about when it can be sent, and a backlog of N moves through the broker a
/// bounded number of times instead of once per retry interval. Also holds per-domain cool-downs
/// after a throttle reply. Only the egress's owner uses it, so it is in-process state.
/// </summary>
public sealed class SlotPlanner(IOptions<LimitOptions> options, TimeProvider time)
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, DateTimeOffset> _nextSlot = new(StringComparer.Ordinal);
    private readonly Dictionary<string, DateTimeOffset> _coolUntil = new(StringComparer.Ordinal);

    /// <summary>Reserves the next slot of a domain for a message.</summary>
    /// <param name="domain">The recipient domain.</param>
    /// <param name="recipients">The message's recipients in that domain (permits).</param>
    /// <param name="retryAfter">When the limiter says permits come back at the earliest.</param>
    public DateTimeOffset Reserve(string domain, int recipients, TimeSpan retryAfter)
    {
        var limit = options.Value.For(domain);
        var now = time.GetUtcNow();
        lock (_gate)
        {
            var slot = now + retryAfter;
            if (_nextSlot.TryGetValue(domain, out var next) && next > slot)
            {
                slot = next;
            }

            if (_coolUntil.TryGetValue(domain, out var cool) && cool > slot)
            {
                slot = cool;
            }

            var spacing = limit.PermitLimit is int permits
                ? TimeSpan.FromTicks((limit.Window + options.Value.Margin).Ticks * Math.Min(recipients, permits) / permits)
                : TimeSpan.Zero;
            _nextSlot[domain] = slot + spacing;
            return slot;
        }
    }

    /// <summary>Pauses <paramref name="domain"/> until <paramref name="until"/> (a throttle reply).</summary>
    public void CoolDown(string domain, DateTimeOffset until)
    {
        lock (_gate)
        {
            if (!_coolUntil.TryGetValue(domain, out var current) || current < until)
            {
                _coolUntil[domain] = until;
            }
        }
    }

    /// <summary>The end of the domain's cool-down, or null when it is not cooling down.</summary>
    public DateTimeOffset? CoolingUntil(string domain)
    {
        var now = time.GetUtcNow();
        lock (_gate)
        {
            if (_coolUntil.TryGetValue(domain, out var until))
            {
                if (until > now)
                {
                    return until;
                }

                _coolUntil.Remove(domain);
            }

            return null;
        }
    }
}
