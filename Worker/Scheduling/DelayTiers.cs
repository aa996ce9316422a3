using Microsoft.Extensions.Options;
using Sluice.Worker.Topology;

namespace Sluice.Worker.Scheduling;

/// <summary>Chooses the delay tier for a wait: the longest tier that does not overshoot it, else the shortest.</summary>
public sealed class DelayTiers
{
    private readonly TimeSpan[] _tiers;

    public DelayTiers(IOptions<TopologyOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _tiers = [.. options.Value.EffectiveDelayTiers.Order()];
    }

    public TimeSpan Shortest => _tiers[0];

    /// <summary>
    /// Never overshooting keeps a message from coming back after its slot; a message that comes back
    /// early takes the next shorter tier, so a wait of W costs about log(W) hops.
    /// </summary>
    public TimeSpan For(TimeSpan wait)
    {
        for (int i = _tiers.Length - 1; i >= 0; i--)
        {
            if (_tiers[i] <= wait)
            {
                return _tiers[i];
            }
        }

        return _tiers[0];
    }
}
