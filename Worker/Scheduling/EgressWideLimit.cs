using System.ComponentModel.DataAnnotations;

namespace Sluice.Worker.Scheduling;

/// <summary>
/// What the whole egress may send, whatever the recipients (configuration section <c>Limits:Egress</c>):
/// the sending account's own quota, e.g. Microsoft 365's 10,000 recipients per day, or a smarthost plan.
/// </summary>
public sealed class EgressWideLimit
{
    /// <summary>Recipients in any minute; null: none.</summary>
    [Range(1, int.MaxValue)]
    public int? PerMinute { get; set; }

    /// <summary>Recipients in any 24 hours; null: none.</summary>
    [Range(1, int.MaxValue)]
    public int? PerDay { get; set; }
}
