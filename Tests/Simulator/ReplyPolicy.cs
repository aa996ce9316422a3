namespace Sluice.Simulator;

/// <summary>
/// Decides the reply to each RCPT TO from the rules: ban, unknown user, greylisting, then the exact
/// sliding-window limit (a log of acceptance times, so "at most N in any window" holds for every window,
/// not only aligned ones). Thread-safe: sessions run concurrently.
/// </summary>
public sealed class ReplyPolicy(IReadOnlyList<DomainRule> rules, TimeProvider time)
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, Queue<DateTimeOffset>> _accepted = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _throttles = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _attempts = new(StringComparer.Ordinal);

    /// <summary>True when the first rule matching <paramref name="domain"/> hangs up after DATA.</summary>
    public bool HangsUpAfterData(string domain) => rules.FirstOrDefault(r => r.Matches(domain))?.HangUpAfterData == true;

    /// <summary>Returns the reply and the partition the recipient counts in.</summary>
    /// <param name="recipient">The RCPT TO address.</param>
    /// <param name="acceptedInTransaction">Recipients this transaction already has (for <see cref="DomainRule.MaxRecipientsPerTransaction"/>).</param>

    public (SimulatedReply Reply, string Partition) Decide(string recipient, int acceptedInTransaction = 0)
    {
        ArgumentNullException.ThrowIfNull(recipient);
        string address = recipient.ToLowerInvariant();
        int at = address.LastIndexOf('@');
        string domain = address[(at + 1)..];
        string localPart = address[..Math.Max(at, 0)];
        var rule = rules.FirstOrDefault(r => r.Matches(domain));
        if (rule is null)
        {
            return (SimulatedReply.Accepted, domain);
        }

        string partition = rule.PartitionFor(domain);
        if (acceptedInTransaction >= rule.MaxRecipientsPerTransaction)
        {
            return (SimulatedReply.Parse(rule.TooManyRecipientsReply), partition);
        }

        lock (_gate)
        {
            return (DecideLocked(rule, partition, address, localPart), partition);
        }
    }

    private SimulatedReply DecideLocked(DomainRule rule, string partition, string address, string localPart)
    {
        if (rule.BanAfterThrottles is int banAfter && _throttles.GetValueOrDefault(partition) >= banAfter)
        {
            return SimulatedReply.Parse(rule.BanReply);
        }

        if (rule.UnknownUsers.Contains(localPart, StringComparer.OrdinalIgnoreCase))
        {
            return SimulatedReply.Parse(rule.UnknownUserReply);
        }

        int attempt = _attempts[address] = _attempts.GetValueOrDefault(address) + 1;
        if (attempt <= rule.TemporaryFailuresPerRecipient)
        {
            return SimulatedReply.Parse(rule.TemporaryFailureReply);
        }

        if (rule.Limit is int limit)
        {
            var now = time.GetUtcNow();
            var window = _accepted.TryGetValue(partition, out var log) ? log : _accepted[partition] = new Queue<DateTimeOffset>();
            while (window.Count > 0 && window.Peek() <= now - rule.Window)
            {
                window.Dequeue();
            }

            if (window.Count >= limit)
            {
                _throttles[partition] = _throttles.GetValueOrDefault(partition) + 1;
                return SimulatedReply.Parse(rule.ThrottleReply);
            }

            window.Enqueue(now);
        }

        return SimulatedReply.Accepted;
    }
}
