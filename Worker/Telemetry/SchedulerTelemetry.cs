using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Sluice.Worker.Status;

namespace Sluice.Worker.Telemetry;

/// <summary>
/// The egress owners' view (meter <c>Sluice.Scheduler</c>): limiter refusals and waits, suspensions,
/// and gauges read from each owned egress's status snapshot when a collector asks: the limit in force
/// and the allowed rate per partition, messages waiting and the oldest one's age, the warm-up fraction, suspension, drain ETA.
/// </summary>
public sealed class SchedulerTelemetry
{
    public const string MeterName = "Sluice.Scheduler";

    private readonly ConcurrentDictionary<string, Func<EgressSnapshot>> _owned = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Func<IReadOnlyCollection<string>>> _lanes = new(StringComparer.Ordinal);
    private readonly DomainTags _domains;
    private readonly Counter<long> _denials;
    private readonly Histogram<double> _wait;
    private readonly Counter<long> _suspensions;
    private readonly Counter<long> _laneMoves;
    private readonly Counter<long> _delays;
    private readonly Counter<long> _reroutes;

    public SchedulerTelemetry(IMeterFactory meterFactory, DomainTags domains, Signing.SenderAuthState senders, Control.PauseState pauses)
    {
        ArgumentNullException.ThrowIfNull(senders);
        ArgumentNullException.ThrowIfNull(pauses);
        ArgumentNullException.ThrowIfNull(meterFactory);
        _domains = domains;
        var meter = meterFactory.Create(MeterName);
        _denials = meter.CreateCounter<long>("sluice.limiter.denials", "{message}", "Sends refused by a level of the limit chain (partition, tenant, egress_minute, egress_day).");
        _wait = meter.CreateHistogram<double>("sluice.limiter.wait", "s", "How far ahead a refused message's planned slot lies.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.1, 0.5, 1, 5, 10, 30, 60, 300, 900, 3600, 10800] });
        _delays = meter.CreateCounter<long>("sluice.delay.publishes", "{message}", "Copies sent round a delay tier (retries, pauses, suspensions; a partition's backlog waits in its lane instead).");
        _laneMoves = meter.CreateCounter<long>("sluice.lane.moves", "{message}", "Messages moved into a partition's waiting lane (one publish each, whatever the wait).");
        _reroutes = meter.CreateCounter<long>("sluice.egress.reroutes", "{message}", "Messages moved to the fallback egress while a ban suspended theirs.");
        _suspensions = meter.CreateCounter<long>("sluice.egress.suspensions", "{suspension}", "Ban replies that suspended an egress.");
        meter.CreateObservableGauge("sluice.limiter.limit", () => Partitions(p => p.PermitLimit), "{recipient}", "Recipients per window allowed now per partition (after adapting to throttles).");
        meter.CreateObservableGauge("sluice.limiter.ceiling", () => Partitions(p => p.Ceiling), "{recipient}", "The configured limit per window per partition.");
        meter.CreateObservableGauge("sluice.limiter.allowed_rate", () => Partitions(p => p.AllowedPerSecond), "{recipient}/s", "Recipients per second allowed now per partition.");
        meter.CreateObservableGauge("sluice.egress.waiting", () => Partitions(p => (double)p.Waiting), "{message}", "Messages of a partition in the delay tiers (since this owner took over).");
        meter.CreateObservableGauge("sluice.egress.oldest_waiting", () => Partitions(p => p.OldestWaiting?.TotalSeconds ?? 0), "s",
            "How long ago the oldest message of a partition waiting in its lane or the tiers was accepted (0: none waits).");
        meter.CreateObservableGauge("sluice.sender.auth", () => senders.Reports.SelectMany(r => new[] { ("spf", r.Spf), ("dkim", r.Dkim), ("dmarc", r.Dmarc) }
            .Select(c => new Measurement<int>(c.Item2.Status switch { "pass" => 1, "fail" => 0, _ => -1 },
                new KeyValuePair<string, object?>("domain", r.Domain), new KeyValuePair<string, object?>("check", c.Item1), new KeyValuePair<string, object?>("egress", r.Egress)))),
            "1", "The sender preflight per configured sender domain, egress its mail may take and check: 1 pass, 0 fail, -1 nothing to check.");
        meter.CreateObservableGauge("sluice.egress.warmup", () => Egresses(s => s.WarmUp), "1", "The fraction of every limit the warm-up ramp allows now.");
        meter.CreateObservableGauge("sluice.egress.suspended", () => Egresses(s => s.SuspendedUntil is null ? 0 : 1), "1", "1 while a ban suspends the egress.");
        meter.CreateObservableGauge("sluice.partition.suspended", () => Partitions(p => p.SuspendedUntil is null ? 0 : 1), "1", "1 while a receiver's ban suspends the partition.");
        // Every worker follows the control stream, so every replica reports the same pauses: dashboards take the max.
        meter.CreateObservableGauge("sluice.control.paused", () => pauses.Paused.Select(p => new Measurement<int>(1, new KeyValuePair<string, object?>("target", p.Target))),
            "1", "1 per pause in force (sluice pause), by target.");
        meter.CreateObservableGauge("sluice.egress.drain_eta", () => Egresses(DrainEta), "s", "Time to send what waits in the tiers at the rates allowed now (the slowest partition).");
    }

    /// <summary>This worker took an egress or gave one up.</summary>
    public event Action? OwnershipChanged;

    /// <summary>The egresses this worker owns now.</summary>
    public IReadOnlyCollection<string> Owned => [.. _owned.Keys];

    private readonly ConcurrentDictionary<string, IReadOnlyDictionary<string, long>> _laneDepths = new(StringComparer.Ordinal);

    /// <summary>Publishes gauges for an egress this worker owns until the returned handle is disposed.</summary>
    public IDisposable Own(string egress, Func<EgressSnapshot> snapshot, Func<IReadOnlyCollection<string>>? laneQueues = null)
    {
        _owned[egress] = snapshot;
        _lanes[egress] = laneQueues ?? (() => []);
        OwnershipChanged?.Invoke();

        // A counter series appears with its first measurement: start at 0, so `increase()` sees the first ban
        // and the first refusal of every level.
        _suspensions.Add(0, new KeyValuePair<string, object?>("egress", egress), new KeyValuePair<string, object?>("scope", "egress"));
        _suspensions.Add(0, new KeyValuePair<string, object?>("egress", egress), new KeyValuePair<string, object?>("scope", "partition"));
        _laneMoves.Add(0, new KeyValuePair<string, object?>("egress", egress));
        _delays.Add(0, new KeyValuePair<string, object?>("egress", egress));
        foreach (string level in (ReadOnlySpan<string>)["partition", "tenant", "egress_minute", "egress_day"])
        {
            _denials.Add(0, new KeyValuePair<string, object?>("egress", egress), new KeyValuePair<string, object?>("level", level));
        }
        return new Release(() =>
        {
            _owned.TryRemove(egress, out _);
            _lanes.TryRemove(egress, out _);
            _laneDepths.TryRemove(egress, out _);
            OwnershipChanged?.Invoke();
        });
    }

    /// <summary>Whether this worker owns <paramref name="egress"/> now.</summary>
    public bool Owns(string egress) => _owned.ContainsKey(egress);

    /// <summary>The waiting lanes an owned egress has open (none when this worker does not own it).</summary>
    public IReadOnlyCollection<string> LaneQueues(string egress) => _lanes.TryGetValue(egress, out var lanes) ? lanes() : [];

    /// <summary>An owned egress's open lanes and their ready messages, as just sampled from the broker (the queue-depth sampler writes, status reads).</summary>
    public void LanesSampled(string egress, IReadOnlyDictionary<string, long> ready) => _laneDepths[egress] = ready;

    /// <summary>
    /// The ready messages of <paramref name="egress"/>'s lane <paramref name="queue"/> at the last sample; 0 when not sampled yet.
    /// What a previous owner moved into a lane shows here, and nowhere else this owner can see without asking the broker.
    /// </summary>
    public long LaneDepth(string egress, string queue) => _laneDepths.TryGetValue(egress, out var lanes) ? lanes.GetValueOrDefault(queue) : 0;

    /// <summary>A level of the chain refused a send; <paramref name="level"/> is the limiter's key.</summary>
    public void Denied(string egress, string level, TimeSpan untilSlot)
    {
        string kind = level switch
        {
            "egress:minute" => "egress_minute",
            "egress:day" => "egress_day",
            _ when level.StartsWith("tenant:", StringComparison.Ordinal) => "tenant",
            _ => "partition",
        };
        _denials.Add(1, new KeyValuePair<string, object?>("egress", egress), new KeyValuePair<string, object?>("level", kind));
        _wait.Record(Math.Max(0, untilSlot.TotalSeconds), new KeyValuePair<string, object?>("egress", egress));
    }

    public void Delayed(string egress) => _delays.Add(1, new KeyValuePair<string, object?>("egress", egress));

    public void Rerouted(string egress, string fallback) =>
        _reroutes.Add(1, new KeyValuePair<string, object?>("egress", egress), new KeyValuePair<string, object?>("fallback", fallback));

    public void MovedToLane(string egress) => _laneMoves.Add(1, new KeyValuePair<string, object?>("egress", egress));

    /// <summary>A ban reply suspended the egress, or (with <paramref name="partition"/>) one partition of it.</summary>
    public void Suspended(string egress, string? partition = null) =>
        _suspensions.Add(1, new KeyValuePair<string, object?>("egress", egress), new KeyValuePair<string, object?>("scope", partition is null ? "egress" : "partition"));

    private static double DrainEta(EgressSnapshot snapshot) =>
        snapshot.Domains.Select(d => d.DrainEta?.TotalSeconds ?? 0).DefaultIfEmpty(0).Max();

    private IEnumerable<Measurement<double>> Egresses(Func<EgressSnapshot, double> value) =>
        _owned.Select(e => (e.Key, Snapshot: Read(e.Value))).Where(e => e.Snapshot is not null)
            .Select(e => new Measurement<double>(value(e.Snapshot!), new KeyValuePair<string, object?>("egress", e.Key)));

    /// <summary>
    /// An owner's snapshot, or null when it cannot be taken: a session ending (its limiters disposed) while a collector
    /// asks. A callback that throws would cost every later instrument of the scrape, in every host of the process that
    /// listens to these meters by name.
    /// </summary>
    private static EgressSnapshot? Read(Func<EgressSnapshot> snapshot)
    {
        try
        {
            return snapshot();
        }
        catch (Exception e) when (e is ObjectDisposedException or InvalidOperationException)
        {
            return null;
        }
    }

    private IEnumerable<Measurement<double>> Partitions(Func<DomainSnapshot, double?> value)
    {
        foreach (var (egress, snapshotOf) in _owned)
        {
            if (Read(snapshotOf) is not { } snapshot)
            {
                continue;
            }

            // Partitions past the tag bound share "other": report the largest of them, not one at random.
            foreach (var group in snapshot.Domains.GroupBy(d => _domains.For(d.Domain)))
            {
                if (group.Select(value).Where(v => v is not null).DefaultIfEmpty(null).Max() is double v)
                {
                    yield return new Measurement<double>(v, new KeyValuePair<string, object?>("egress", egress), new KeyValuePair<string, object?>("partition", group.Key));
                }
            }
        }
    }

    private sealed class Release(Action release) : IDisposable
    {
        public void Dispose() => release();
    }
}
