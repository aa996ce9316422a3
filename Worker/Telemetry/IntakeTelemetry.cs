using System.Diagnostics.Metrics;

namespace Sluice.Worker.Telemetry;

/// <summary>Intake's instruments (meter <c>Sluice.Intake</c>).</summary>
public sealed class IntakeTelemetry
{
    public const string MeterName = "Sluice.Intake";

    private readonly Counter<long> _messages;

    public IntakeTelemetry(IMeterFactory meterFactory)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        var meter = meterFactory.Create(MeterName);
        _messages = meter.CreateCounter<long>("sluice.intake.messages", "{message}", "Messages taken from mail.intake, by outcome (routed, rejected) and reason.");
    }

    public void Routed(string egress) =>
        _messages.Add(1, new("egress", egress), new("outcome", "routed"), new("reason", string.Empty));

    public void Rejected(string reason) =>
        _messages.Add(1, new("egress", string.Empty), new("outcome", "rejected"), new("reason", reason));
}
