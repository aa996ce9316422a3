using System.ComponentModel.DataAnnotations;

namespace Sluice.Worker.Scheduling;

/// <summary>The sending limit of one recipient domain.</summary>
public sealed class DomainLimit
{
    /// <summary>Recipients per <see cref="Window"/>; null means no rate limit.</summary>
    [Range(1, int.MaxValue)]
    public int? PermitLimit { get; set; }

    /// <summary>The sliding window the limit counts in: at most <see cref="PermitLimit"/> recipients in any window this long.</summary>
    public TimeSpan Window { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>SMTP transactions to the domain at the same time.</summary>
    [Range(1, 1000)]
    public int Concurrency { get; set; } = 4;
}
