namespace Sluice.Worker.Scheduling;

/// <summary>The latest (or earliest) of several moments, some of them unset: when a wait for all of them is over.</summary>
internal static class Moments
{
    /// <summary>The latest moment given; null when none is set.</summary>
    public static DateTimeOffset? Latest(params ReadOnlySpan<DateTimeOffset?> moments)
    {
        DateTimeOffset? latest = null;
        foreach (var moment in moments)
        {
            if (moment > latest || latest is null)
            {
                latest = moment ?? latest;
            }
        }

        return latest;
    }

    /// <summary>The earliest moment given; null when none is set.</summary>
    public static DateTimeOffset? Earliest(params ReadOnlySpan<DateTimeOffset?> moments)
    {
        DateTimeOffset? earliest = null;
        foreach (var moment in moments)
        {
            if (moment < earliest || earliest is null)
            {
                earliest = moment ?? earliest;
            }
        }

        return earliest;
    }
}
