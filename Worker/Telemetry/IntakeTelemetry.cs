using System.Diagnostics.Metrics;

namespace Sluice.Worker.Telemetry;

/// <summary>Intake's instruments (meter <c>Sluice.Intake</c>).</summary>
public sealed class IntakeTelemetry
{
    public const string MeterName = "Sluice.Intake";

    private readonly Counter<long> _messages;
    private readonly Counter<long> _handedOver;

    public IntakeTelemetry(IMeterFactory meterFactory)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        var meter = meterFactory.Create(MeterName);
        _messages = meter.CreateCounter<long>("sluice.intake.messages", "{message}", "Messages taken from mail.intake, by outcome (routed, rejected) and reason.");
        _handedOver = meter.CreateCounter<long>("sluice.intake.handed_over", "{message}", "Routed messages handed straight to this worker's owner of their egress, without a copy in the egress queue.");
    }

    /// <summary>Routed to <paramref name="egress"/>: copied into its queue, or handed straight to this worker's owner of it.</summary>
    public void Routed(string egress, bool handedOver = false)
    {
        _messages.Add(1, new("egress", egress), new("outcome", "routed"), new("reason", string.Empty));
        if (handedOver)
        {
            _handedOver.Add(1, new KeyValuePair<string, object?>("egress", egress));
        }
    }

    public void Rejected(string reason) =>
        _messages.Add(1, new("egress", string.Empty), new("outcome", "rejected"), new("reason", reason));
}
