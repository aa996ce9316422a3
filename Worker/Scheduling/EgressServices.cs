using Microsoft.Extensions.Options;
using Sluice.Worker.Classification;
using Sluice.Worker.Retry;

namespace Sluice.Worker.Scheduling;

/// <summary>The stateless policy every egress shares: tiers, reply table, retry budget, clock.</summary>
public sealed record EgressServices(DelayTiers Tiers, ReplyClassifier Classifier, RetryPolicy RetryPolicy, IOptions<RetryOptions> RetryOptions, TimeProvider Time)
{
    public RetryOptions Retry => RetryOptions.Value;
}
