using Sluice.Worker.Topology;

namespace Sluice.Worker.Operations;

/// <summary>The two queues where mail waits for an operator.</summary>
public enum HoldingArea
{
    /// <summary><c>mail.parked</c>: retry budget spent.</summary>
    Parked,

    /// <summary><c>mail.failed</c>: permanent failures and invalid input.</summary>
    Failed,
}

public static class HoldingAreaNames
{
    public static string Of(HoldingArea queue) => queue == HoldingArea.Parked ? QueueNames.Parked : QueueNames.Failed;
}
