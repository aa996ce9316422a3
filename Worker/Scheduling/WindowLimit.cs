using System.ComponentModel.DataAnnotations;

namespace Sluice.Worker.Scheduling;

/// <summary>At most <see cref="PermitLimit"/> recipients in any <see cref="Window"/> (one level of the limit chain).</summary>
public class WindowLimit
{
    /// <summary>Recipients per <see cref="Window"/>; null means no rate limit at this level.</summary>
    [Range(1, int.MaxValue)]
    public int? PermitLimit { get; set; }

    /// <summary>The sliding window the limit counts in: every window this long, aligned or not.</summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "366.00:00:00")]
    public TimeSpan Window { get; set; } = TimeSpan.FromMinutes(1);
}
