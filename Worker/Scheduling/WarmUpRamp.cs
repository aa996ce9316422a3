using Microsoft.Extensions.Options;

namespace Sluice.Worker.Scheduling;

/// <summary>
/// The egress's warm-up ramp: the fraction of every limit in force at a moment. Flat at the start
/// fraction until the ramp begins (a ramp can be set to begin later, e.g. when a suspension ends),
/// then linear up to 1.
/// </summary>
public sealed class WarmUpRamp(IOptions<LimitOptions> options, TimeProvider time)
{
    private readonly WarmUpOptions _options = options.Value.WarmUp;
    private long _beginsAtTicks = DateTimeOffset.MinValue.UtcTicks;

    /// <summary>Starts (or restarts) the ramp at <paramref name="at"/>; before that moment the start fraction holds.</summary>
    public void Begin(DateTimeOffset at)
    {
        if (_options.Enabled)
        {
            Interlocked.Exchange(ref _beginsAtTicks, at.UtcTicks);
        }
    }

    /// <summary>
    /// The smarthost has been failing for <paramref name="outage"/> and is next tried at
    /// <paramref name="reopensAt"/>: a long outage leaves a backlog, so the ramp begins when it reopens.
    /// </summary>
    public void AfterOutage(TimeSpan outage, DateTimeOffset reopensAt)
    {
        if (outage >= _options.AfterOutage)
        {
            Begin(reopensAt);
        }
    }

    /// <summary>
    /// The fraction of a limit allowed now; <paramref name="notBefore"/> delays the ramp of one limiter (its takeover
    /// hold), and <paramref name="window"/> (the limit's window) shortens it to <c>DurationWindows</c> windows.
    /// </summary>
    public double Factor(DateTimeOffset? notBefore = null, TimeSpan? window = null)
    {
        if (Start(notBefore) is not { } start)
        {
            return 1.0;
        }

        var elapsed = time.GetUtcNow() - start;
        if (elapsed <= TimeSpan.Zero)
        {
            return _options.StartFraction;
        }

        var duration = DurationFor(window);
        return elapsed >= duration ? 1.0 : _options.StartFraction + ((1 - _options.StartFraction) * (elapsed / duration));
    }

    /// <summary>How long the ramp of a limit with this window lasts.</summary>
    public TimeSpan DurationFor(TimeSpan? window) =>
        window is { } w && _options.DurationWindows > 0 && w * _options.DurationWindows < _options.Duration ? w * _options.DurationWindows : _options.Duration;

    /// <summary>
    /// The earliest moment the ramp allows <paramref name="fraction"/> of a limit (<see cref="DateTimeOffset.MinValue"/>:
    /// already allowed, or no ramp). Inverse of <see cref="Factor"/>.
    /// </summary>
    public DateTimeOffset TimeFor(double fraction, DateTimeOffset? notBefore = null, TimeSpan? window = null)
    {
        if (fraction <= _options.StartFraction || Start(notBefore) is not { } start)
        {
            return DateTimeOffset.MinValue;
        }

        return start + (DurationFor(window) * ((Math.Min(fraction, 1.0) - _options.StartFraction) / (1 - _options.StartFraction)));
    }

    /// <summary>The share of <paramref name="limit"/> in force now (at least 1).</summary>
    public int Apply(int limit, DateTimeOffset? notBefore = null, TimeSpan? window = null) => Math.Max(1, (int)Math.Floor((limit * Factor(notBefore, window)) + 1e-9)); // + ε: at TimeFor(k / limit) exactly k, not k - 1 by rounding

    /// <summary>When the ramp starts for a limiter held until <paramref name="notBefore"/>; null when there is no ramp.</summary>
    private DateTimeOffset? Start(DateTimeOffset? notBefore)
    {
        long begins = Interlocked.Read(ref _beginsAtTicks);
        if (!_options.Enabled || begins == DateTimeOffset.MinValue.UtcTicks)
        {
            return null;
        }

        var start = new DateTimeOffset(begins, TimeSpan.Zero);
        return notBefore > start ? notBefore.Value : start;
    }
}
