using System.Globalization;

namespace Sluice.Worker.Topology;

/// <summary>Every queue name Sluice uses, derived in one place.</summary>
public static class QueueNames
{
    public const string DefaultEgress = "default";

    /// <summary>Everything producers publish lands here first (competing consumers).</summary>
    public const string Intake = "mail.intake";

    /// <summary>Permanent failures and invalid input, each with a reason header.</summary>
    public const string Failed = "mail.failed";

    /// <summary>Mail whose retry budget is spent or whose egress stayed suspended too long; can be re-driven.</summary>
    public const string Parked = "mail.parked";

    /// <summary>
    /// Operator commands (pause, resume) as an append-only stream: every worker reads it from the start,
    /// so the state survives restarts and reaches every replica.
    /// </summary>
    public const string Control = "mail.control";

    /// <summary>Fresh mail for one egress (single active consumer: one scheduler owns the egress).</summary>
    public static string Egress(string egress) => $"mail.egress.{egress}";

    /// <summary>
    /// The delivery journal of one egress: a stream with one record per SMTP transaction that delivered,
    /// written before the ack; a new owner replays it so no recipient gets a message id twice.
    /// </summary>
    public static string Journal(string egress) => $"mail.journal.{egress}";

    /// <summary>The owner's latest status snapshot of one egress (one message; a newer one pushes the older out).</summary>
    public static string Status(string egress) => $"mail.status.{egress}";

    /// <summary>Mail coming back from the delay tiers, read before fresh mail so it does not wait behind a backlog.</summary>
    public static string Due(string egress) => $"mail.egress.{egress}.due";

    /// <summary>A delay tier: messages wait out the TTL, then dead-letter into <see cref="Due"/>.</summary>
    public static string Delay(string egress, TimeSpan tier) => $"mail.delay.{egress}.{TierLabel(tier)}";

    /// <summary>
    /// The waiting lane of one partition of an egress (<c>mail.lane.EGRESS.PARTITION</c>): mail over the
    /// partition's budget waits here and is read at the permitted rate. Opened and removed by the owner as
    /// backlogs come and go. A name that would pass the broker's 255-byte limit ends in a hash instead.
    /// </summary>
    public static string Lane(string egress, string partition)
    {
        string name = $"{LanePrefix}{egress}.{partition}";
        if (System.Text.Encoding.UTF8.GetByteCount(name) <= 255)
        {
            return name;
        }

        string hash = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(partition)))[..16];
        return $"{LanePrefix}{egress}.{partition[..Math.Min(partition.Length, 200 - egress.Length)]}.{hash}";
    }

    /// <summary>Every waiting lane's name starts with this.</summary>
    public const string LanePrefix = "mail.lane.";

    /// <summary><c>1s</c>, <c>30s</c>, <c>2m</c>, <c>1h</c>, <c>1d</c>, or milliseconds (<c>1500ms</c>) when not whole.</summary>
    public static string TierLabel(TimeSpan tier)
    {
        long ms = (long)tier.TotalMilliseconds;
        (long unit, string suffix)[] units = [(86_400_000, "d"), (3_600_000, "h"), (60_000, "m"), (1_000, "s")];
        foreach (var (unit, suffix) in units)
        {
            if (ms >= unit && ms % unit == 0)
            {
                return (ms / unit).ToString(CultureInfo.InvariantCulture) + suffix;
            }
        }

        return ms.ToString(CultureInfo.InvariantCulture) + "ms";
    }
}
