using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Sluice.Worker.Telemetry;

/// <summary>What happens to each recipient and each SMTP transaction (meter <c>Sluice.Delivery</c>).</summary>
public sealed class DeliveryTelemetry
{
    public const string MeterName = "Sluice.Delivery";

    private readonly DomainTags _domains;
    private readonly Counter<long> _recipients;
    private readonly Histogram<double> _sendDuration;
    private readonly UpDownCounter<long> _busyConnections;
    private readonly Counter<long> _smarthostFailures;
    private readonly Histogram<double> _journalWrite;

    public DeliveryTelemetry(IMeterFactory meterFactory, DomainTags domains)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        _domains = domains;
        var meter = meterFactory.Create(MeterName);
        _recipients = meter.CreateCounter<long>("sluice.delivery.recipients", "{recipient}",
            "Recipients settled, by egress, provider, domain (bounded) and outcome: delivered, deferred, throttled, banned, failed, parked, split, duplicate (skipped: the journal shows it delivered), uncertain (the reply was lost).");
        _sendDuration = meter.CreateHistogram<double>("sluice.smtp.send.duration", "s", "One SMTP transaction, from MAIL FROM to the reply after DATA.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60] });
        _busyConnections = meter.CreateUpDownCounter<long>("sluice.smtp.connections.busy", "{connection}", "SMTP connections in a transaction now.");
        _journalWrite = meter.CreateHistogram<double>("sluice.journal.write.duration", "s",
            "One delivery journal record, from publish to the broker's confirm (it stands between the receiver's 250 and the ack).",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10] });
        _smarthostFailures = meter.CreateCounter<long>("sluice.smarthost.failures", "{failure}",
            "Failed connection attempts and sessions to the smarthost, by egress and kind (connect, timeout, tls-not-offered, tls-handshake, auth-not-offered, auth-refused, protocol, io).");
    }

    /// <summary>Counts <paramref name="count"/> recipients of one domain with an outcome.</summary>
    public void Settled(string egress, string? provider, string domain, string outcome, int count) =>
        _recipients.Add(count, new TagList
        {
            { "egress", egress },
            { "provider", provider ?? "none" },
            { "domain", _domains.For(domain) },
            { "outcome", outcome },
        });

    /// <summary>A transaction starts on one of the egress's connections; returns its start for <see cref="SendEnded"/>.</summary>
    public long SendStarted(string egress)
    {
        _busyConnections.Add(1, new KeyValuePair<string, object?>("egress", egress));
        return Stopwatch.GetTimestamp();
    }

    /// <summary>The transaction is over: the connection is free again, and its duration is recorded.</summary>
    public void SendEnded(string egress, long started, bool connectionFailed)
    {
        _busyConnections.Add(-1, new KeyValuePair<string, object?>("egress", egress));
        _sendDuration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds,
            new KeyValuePair<string, object?>("egress", egress), new KeyValuePair<string, object?>("result", connectionFailed ? "connection_failure" : "completed"));
    }

    /// <summary>
    /// An egress's owner starts: its smarthost failure series starts at 0, so <c>increase()</c> sees the first failure
    /// and an alert can tell "no failures" from "no data".
    /// </summary>
    public void Owning(string egress) =>
        _smarthostFailures.Add(0, new KeyValuePair<string, object?>("egress", egress), new KeyValuePair<string, object?>("kind", "connect"));

    /// <summary>The smarthost failed (the egress backs off); <paramref name="kind"/> is one of a few fixed words.</summary>
    public void SmarthostFailed(string egress, string kind) =>
        _smarthostFailures.Add(1, new KeyValuePair<string, object?>("egress", egress), new KeyValuePair<string, object?>("kind", kind));

    /// <summary>A journal record was confirmed <paramref name="seconds"/> after it was published.</summary>
    public void JournalWritten(string egress, double seconds) =>
        _journalWrite.Record(seconds, new KeyValuePair<string, object?>("egress", egress));
}
