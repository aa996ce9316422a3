using System.ComponentModel.DataAnnotations;

namespace Sluice.Worker.Intake;

/// <summary>The intake consumer (configuration section <c>Intake</c>).</summary>
public sealed class IntakeOptions
{
    public const string SectionName = "Intake";

    /// <summary>Unacknowledged intake messages per worker.</summary>
    [Range(1, 10_000)]
    public ushort Prefetch { get; set; } = 64;

    /// <summary>Messages processed at once (each waits for the broker's confirm of its copies).</summary>
    [Range(1, 1_000)]
    public ushort Concurrency { get; set; } = 16;
}
