using RabbitMQ.Client;

namespace Sluice.Worker.Telemetry;

/// <summary>What readiness means here: the topology is declared and intake's broker connection is open.</summary>
public sealed class ReadinessState
{
    private readonly TaskCompletionSource _declared = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private volatile bool _topologyDeclared;
    private volatile IConnection? _intake;

    /// <summary>Completes once the topology is declared: what reads the queues waits for it instead of failing first.</summary>
    public Task Declared => _declared.Task;

    public void TopologyDeclared()
    {
        _topologyDeclared = true;
        _declared.TrySetResult();
    }

    /// <summary>Intake's connection; readiness follows its state (it recovers by itself after a broker restart).</summary>
    public void Track(IConnection? intakeConnection) => _intake = intakeConnection;

    public string? NotReadyBecause() =>
        !_topologyDeclared ? "the topology is not declared yet"
        : _intake is not { IsOpen: true } ? "intake is not connected to the broker"
        : null;
}
