using Microsoft.Extensions.Options;
using Sluice.Worker.Classification;
using Sluice.Worker.Control;
using Sluice.Worker.Retry;
using Sluice.Worker.Telemetry;

namespace Sluice.Worker.Scheduling;

/// <summary>What every egress shares: tiers, reply table, retry budget, operator pauses, clock, telemetry, DKIM keys, the MX resolver and MTA-STS policies.</summary>
public sealed record EgressServices(
    DelayTiers Tiers, ReplyClassifier Classifier, RetryPolicy RetryPolicy, IOptions<RetryOptions> RetryOptions,
    PauseState Pauses, TimeSpan PausedRecheck, TimeProvider Time, DeliveryTelemetry Delivery, SchedulerTelemetry Scheduling, Signing.DkimSigning? Dkim = null,
    Signing.SenderAuthState? Senders = null, Sending.MxResolver? Mx = null, Sending.MtaSts.MtaStsPolicies? MtaSts = null)
{
    public RetryOptions Retry => RetryOptions.Value;
}
