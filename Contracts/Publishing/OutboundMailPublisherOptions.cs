using Sluice.Contracts.Validation;

namespace Sluice.Contracts.Publishing;

/// <summary>Settings of <see cref="OutboundMailPublisher"/>.</summary>
public sealed class OutboundMailPublisherOptions
{
    /// <summary>
    /// Deadline for one publish, confirm included. A confirm can hang forever across a broker restart
    /// or a stalled network; past the deadline the publish fails and the caller may retry (the message
    /// id makes a duplicate harmless).
    /// </summary>
    public TimeSpan PublishTimeout { get; set; } = TimeSpan.FromSeconds(10);

    public string Exchange { get; set; } = OutboundWire.Exchange;

    public ContractLimits Limits { get; set; } = new();

    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;
}
