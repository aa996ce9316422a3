using System.ComponentModel.DataAnnotations;

namespace Sluice.Worker.Scheduling;

/// <summary>The limit of one partition (a recipient domain, or a provider that hosts many domains).</summary>
public sealed class DomainLimit : WindowLimit
{
    /// <summary>SMTP transactions to the partition at the same time.</summary>
    [Range(1, 1000)]
    public int Concurrency { get; set; } = 4;
}
