using System.IO.Hashing;
using System.Text;

namespace Sluice.Worker.Journal;

/// <summary>
/// The owner's memory of which (message id, recipient) pairs were delivered within the retry window,
/// kept as 64-bit hashes (a false "already delivered" needs a collision: about one in 10^7 at a million
/// pairs), and of which pairs a sender is sending right now, so two copies of one message cannot be in
/// flight at once. Pure and thread-safe; rebuilt from the journal on takeover.
/// </summary>
public sealed class DeliveryIndex(TimeSpan keep, TimeProvider time)
{
    private readonly Lock _gate = new();
    private readonly Dictionary<ulong, long> _delivered = [];
    private readonly HashSet<ulong> _inFlight = [];
    private long _nextPrune = long.MinValue;

    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _delivered.Count;
            }
        }
    }

    /// <summary>True when <paramref name="recipient"/> already had message <paramref name="id"/>.</summary>
    public bool WasDelivered(string id, string recipient)
    {
        lock (_gate)
        {
            return _delivered.ContainsKey(Key(id, recipient));
        }
    }

    /// <summary>Records deliveries made at <paramref name="atUnixMs"/> (by this owner, or read from the journal).</summary>
    public void Add(string id, IEnumerable<string> recipients, long atUnixMs)
    {
        ArgumentNullException.ThrowIfNull(recipients);
        lock (_gate)
        {
            foreach (string recipient in recipients)
            {
                ulong key = Key(id, recipient);
                _delivered[key] = Math.Max(atUnixMs, _delivered.GetValueOrDefault(key));
            }

            PruneNow();
        }
    }

    /// <summary>Records the pairs a settled transaction delivered (nothing for any other record).</summary>
    public void Add(JournalRecord settled)
    {
        ArgumentNullException.ThrowIfNull(settled);
        if (settled.Delivered is { Count: > 0 } delivered && settled.Id is { } id)
        {
            Add(id, delivered, settled.At);
        }
    }

    /// <summary>Claims every pair for one send; false (and nothing claimed) when another send holds one of them.</summary>
    public bool TryClaim(string id, IReadOnlyList<string> recipients)
    {
        ArgumentNullException.ThrowIfNull(recipients);
        var keys = recipients.Select(r => Key(id, r)).ToList();
        lock (_gate)
        {
            if (keys.Any(_inFlight.Contains))
            {
                return false;
            }

            _inFlight.UnionWith(keys);
            return true;
        }
    }

    public void Release(string id, IReadOnlyList<string> recipients)
    {
        ArgumentNullException.ThrowIfNull(recipients);
        lock (_gate)
        {
            _inFlight.ExceptWith(recipients.Select(r => Key(id, r)));
        }
    }

    /// <summary>Drops what is older than the window, at most once a minute.</summary>
    private void PruneNow()
    {
        long now = time.GetUtcNow().ToUnixTimeMilliseconds();
        if (now < _nextPrune)
        {
            return;
        }

        _nextPrune = now + 60_000;
        long oldest = now - (long)keep.TotalMilliseconds;
        foreach (var stale in _delivered.Where(d => d.Value < oldest).Select(d => d.Key).ToList())
        {
            _delivered.Remove(stale);
        }
    }

    /// <summary>Recipients compare case-insensitively (domains are normalised; local parts are, in practice).</summary>
    private static ulong Key(string id, string recipient) =>
        XxHash3.HashToUInt64(Encoding.UTF8.GetBytes(string.Concat(id, "\n", recipient.ToLowerInvariant())));
}
