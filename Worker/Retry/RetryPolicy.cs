using Microsoft.Extensions.Options;
using Sluice.Worker.Delivery;

namespace Sluice.Worker.Retry;

/// <summary>Exponential backoff with jitter inside a retry budget (attempts, age, the producer's notAfter).</summary>
public sealed class RetryPolicy(IOptions<RetryOptions> options, TimeProvider time)
{
    private readonly RetryOptions _options = options.Value;

    /// <summary>The retry after attempt number <paramref name="attempts"/>, or why there is none.</summary>
    public RetryDecision Next(int attempts, DateTimeOffset acceptedAt, DateTimeOffset? notAfter, Random random)
    {
        ArgumentNullException.ThrowIfNull(random);
        var now = time.GetUtcNow();
        if (notAfter is { } deadline && now >= deadline)
        {
            return RetryDecision.GiveUp(FailureReasons.Expired, $"notAfter {deadline:O} has passed");
        }

        if (attempts >= _options.MaxAttempts)
        {
            return RetryDecision.GiveUp(FailureReasons.RetryBudgetSpent, $"{attempts} attempts (Retry:MaxAttempts is {_options.MaxAttempts})");
        }

        if (now - acceptedAt >= _options.MaxAge)
        {
            return RetryDecision.GiveUp(FailureReasons.RetryBudgetSpent, $"undelivered for {now - acceptedAt:g} (Retry:MaxAge is {_options.MaxAge:g})");
        }

        double exponential = _options.InitialDelay.TotalMilliseconds * Math.Pow(2, Math.Max(0, attempts - 1));
        double capped = Math.Min(exponential, _options.MaxDelay.TotalMilliseconds);
        double jittered = capped * (1 + (_options.Jitter * ((random.NextDouble() * 2) - 1)));
        return RetryDecision.After(now + TimeSpan.FromMilliseconds(jittered));
    }
}

/// <summary>Either retry at <see cref="At"/>, or give up (park) with a reason.</summary>
public sealed record RetryDecision(DateTimeOffset? At, string? Reason, string? Detail)
{
    public static RetryDecision After(DateTimeOffset at) => new(at, null, null);

    public static RetryDecision GiveUp(string reason, string detail) => new(null, reason, detail);
}
