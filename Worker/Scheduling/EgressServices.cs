using Microsoft.Extensions.Options;
using Sluice.Worker.Classification;
using Sluice.Worker.Control;
using Sluice.Worker.Retry;

namespace Sluice.Worker.Scheduling;

/// <summary>What every egress shares: tiers, reply table, retry budget, operator pauses, clock.</summary>
public sealed record EgressServices(
    DelayTiers Tiers, ReplyClassifier Classifier, RetryPolicy RetryPolicy, IOptions<RetryOptions> RetryOptions,
    PauseState Pauses, TimeSpan PausedRecheck, TimeProvider Time)
{
    public RetryOptions Retry => RetryOptions.Value;
}
