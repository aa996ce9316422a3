using Microsoft.Extensions.Options;

namespace Sluice.Worker.Scheduling;

/// <summary>
/// The egress's warm-up ramp: the fraction of every limit in force at a moment. Flat at the start
/// fraction until the ramp begins (a ramp can be set to begin later, e.g. when a suspension ends),
/// then linear up to 1. One limiter may also ramp on its own (<c>own</c>: its partition's ban ended)
/// while the rest of the egress runs at full limits.
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
    /// hold), <paramref name="window"/> (the limit's window) shortens it to <c>DurationWindows</c> windows, and
    /// <paramref name="own"/> is when that limiter's own ramp began, if it has one.
    /// </summary>
    public double Factor(DateTimeOffset? notBefore = null, TimeSpan? window = null, DateTimeOffset? own = null)
    {
        if (Start(notBefore, own) is not { } start)
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

    /// <summary>
    /// How long sending <paramref name="permits"/> takes at <paramref name="perSecond"/> (the full rate of a limit
    /// with this <paramref name="window"/>) when it can start at <paramref name="from"/>, the ramp's fraction
    /// of the rate in force at every moment until it is over (<paramref name="own"/>: the limit's own ramp, if any).
    /// </summary>
    public TimeSpan TimeToSend(double permits, double perSecond, DateTimeOffset from, TimeSpan window, DateTimeOffset? own = null)
    {
        if (permits <= 0 || perSecond <= 0)
        {
            return TimeSpan.Zero;
        }

        var duration = DurationFor(window);
        var rampEnd = Start(null, own) is { } start ? start + duration : DateTimeOffset.MinValue;
        var at = from;
        double left = permits;

        // Through what is left of the ramp in small steps (the rate rises linearly), then at the full rate.
        var step = duration / 100;
        while (at < rampEnd && left > 0)
        {
            var elapsed = at + (step / 2) - (rampEnd - duration); // the step's middle: exact for a linear rise
            double fraction = elapsed <= TimeSpan.Zero ? _options.StartFraction : _options.StartFraction + ((1 - _options.StartFraction) * (elapsed / duration));
            double canSend = perSecond * fraction * step.TotalSeconds;
            if (canSend >= left)
            {
                return at + (step * (left / canSend)) - from;
            }

            left -= canSend;
            at += step;
        }

        return at + TimeSpan.FromSeconds(left / perSecond) - from;
    }

    /// <summary>How long the ramp of a limit with this window lasts.</summary>
    public TimeSpan DurationFor(TimeSpan? window) =>
        window is { } w && _options.DurationWindows > 0 && w * _options.DurationWindows < _options.Duration ? w * _options.DurationWindows : _options.Duration;

    /// <summary>
    /// The earliest moment the ramp allows <paramref name="fraction"/> of a limit (<see cref="DateTimeOffset.MinValue"/>:
    /// already allowed, or no ramp). Inverse of <see cref="Factor"/>.
    /// </summary>
    public DateTimeOffset TimeFor(double fraction, DateTimeOffset? notBefore = null, TimeSpan? window = null, DateTimeOffset? own = null)
    {
        if (fraction <= _options.StartFraction || Start(notBefore, own) is not { } start)
        {
            return DateTimeOffset.MinValue;
        }

        return start + (DurationFor(window) * ((Math.Min(fraction, 1.0) - _options.StartFraction) / (1 - _options.StartFraction)));
    }

    /// <summary>The share of <paramref name="limit"/> in force now (at least 1).</summary>
    public int Apply(int limit, DateTimeOffset? notBefore = null, TimeSpan? window = null, DateTimeOffset? own = null) =>
        Math.Max(1, (int)Math.Floor((limit * Factor(notBefore, window, own)) + 1e-9)); // + ε: at TimeFor(k / limit) exactly k, not k - 1 by rounding

    /// <summary>
    /// When the ramp starts for a limiter held until <paramref name="notBefore"/> whose own ramp began at
    /// <paramref name="own"/> (the later ramp wins); null when there is no ramp.
    /// </summary>
    private DateTimeOffset? Start(DateTimeOffset? notBefore, DateTimeOffset? own)
    {
        if (!_options.Enabled)
        {
            return null;
        }

        long begins = Interlocked.Read(ref _beginsAtTicks);
        DateTimeOffset? start = null;
        if (begins != DateTimeOffset.MinValue.UtcTicks)
        {
            var egressStart = new DateTimeOffset(begins, TimeSpan.Zero);
            start = notBefore > egressStart ? notBefore.Value : egressStart;
        }

        return Moments.Latest(start, own);
    }
}
