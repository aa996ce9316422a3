using RabbitMQ.Client;

namespace Sluice.Worker.Telemetry;

/// <summary>What readiness means here: the topology is declared and intake's broker connection is open.</summary>
public sealed class ReadinessState
{
    private volatile bool _topologyDeclared;
    private volatile IConnection? _intake;

    public void TopologyDeclared() => _topologyDeclared = true;

    /// <summary>Intake's connection; readiness follows its state (it recovers by itself after a broker restart).</summary>
    public void Track(IConnection? intakeConnection) => _intake = intakeConnection;

    public string? NotReadyBecause() =>
        !_topologyDeclared ? "the topology is not declared yet"
        : _intake is not { IsOpen: true } ? "intake is not connected to the broker"
        : null;
}
