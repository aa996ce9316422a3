using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Globalization;
using Microsoft.Extensions.Options;
using Sluice.Worker.Classification;

namespace Sluice.Worker.Telemetry;

/// <summary>What happens to each recipient and each SMTP transaction (meter <c>Sluice.Delivery</c>).</summary>
public sealed class DeliveryTelemetry
{
    public const string MeterName = "Sluice.Delivery";

    private readonly DomainTags _domains;
    private readonly FirstSeenTagValues _tenants;
    private readonly FirstSeenTagValues _replyCodes;
    private readonly Counter<long> _recipients;
    private readonly Counter<long> _tenantRecipients;
    private readonly Counter<long> _replies;
    private readonly Histogram<double> _sendDuration;
    private readonly UpDownCounter<long> _busyConnections;
    private readonly Counter<long> _smarthostFailures;
    private readonly Histogram<double> _journalWrite;

    public DeliveryTelemetry(IMeterFactory meterFactory, DomainTags domains, IOptions<TelemetryOptions> options)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        ArgumentNullException.ThrowIfNull(options);
        _domains = domains;
        _tenants = new FirstSeenTagValues(options.Value.MaxTenantTags);
        _replyCodes = new FirstSeenTagValues(options.Value.MaxReplyCodeTags);
        var meter = meterFactory.Create(MeterName);
        _recipients = meter.CreateCounter<long>("sluice.delivery.recipients", "{recipient}",
            "Recipients settled, by egress, provider, domain (bounded), outcome (delivered, deferred, throttled, banned, failed, parked, split, duplicate: skipped as the journal shows it delivered, uncertain: the reply was lost) and, for failed and parked, the reason.");
        _tenantRecipients = meter.CreateCounter<long>("sluice.tenant.recipients", "{recipient}",
            "Recipients settled, by egress, tenant (bounded) and outcome.");
        _replies = meter.CreateCounter<long>("sluice.smtp.replies", "{recipient}",
            "Recipients refused, by egress, provider, the reply's basic and enhanced code (bounded) and the reply table's class for it.");
        _sendDuration = meter.CreateHistogram<double>("sluice.smtp.send.duration", "s", "One SMTP transaction, from MAIL FROM to the reply after DATA.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60] });
        _busyConnections = meter.CreateUpDownCounter<long>("sluice.smtp.connections.busy", "{connection}", "SMTP connections in a transaction now.");
        _journalWrite = meter.CreateHistogram<double>("sluice.journal.write.duration", "s",
            "One delivery journal record, from publish to the broker's confirm (it stands between the receiver's 250 and the ack).",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10] });
        _smarthostFailures = meter.CreateCounter<long>("sluice.smarthost.failures", "{failure}",
            "Failed connection attempts and sessions to the smarthost, by egress and kind (connect, timeout, tls-not-offered, tls-handshake, auth-not-offered, auth-refused, protocol, io).");
    }

    /// <summary>
    /// Counts <paramref name="count"/> recipients of one domain with an outcome; <paramref name="reason"/> is one of the
    /// fixed failure reasons for failed and parked mail, and <paramref name="tenant"/> the producer's, when known.
    /// </summary>
    public void Settled(string egress, string? provider, string domain, string outcome, int count, string? reason = null, string? tenant = null)
    {
        _recipients.Add(count, new TagList
        {
            { "egress", egress },
            { "provider", provider ?? "none" },
            { "domain", _domains.For(domain) },
            { "outcome", outcome },
            { "reason", reason ?? "none" },
        });
        _tenantRecipients.Add(count, new TagList
        {
            { "egress", egress },
            { "tenant", tenant is null ? "none" : _tenants.For(tenant) },
            { "outcome", outcome },
        });
    }

    /// <summary>Counts <paramref name="count"/> recipients refused with <paramref name="reply"/>, which the reply table put in <paramref name="outcome"/>.</summary>
    public void Refused(string egress, string? provider, SmtpReply reply, DeliveryOutcome outcome, int count)
    {
        ArgumentNullException.ThrowIfNull(reply);
        _replies.Add(count, new TagList
        {
            { "egress", egress },
            { "provider", provider ?? "none" },
            { "code", _replyCodes.For(reply.Code.ToString(CultureInfo.InvariantCulture)) },
            { "enhanced", reply.EnhancedCode is null ? "none" : _replyCodes.For(reply.EnhancedCode) },
            { "class", ClassTag(outcome) },
        });
    }

    private static string ClassTag(DeliveryOutcome outcome) => outcome switch
    {
        DeliveryOutcome.Delivered => "delivered",
        DeliveryOutcome.Deferred => "deferred",
        DeliveryOutcome.Throttled => "throttled",
        DeliveryOutcome.Banned => "banned",
        DeliveryOutcome.Failed => "failed",
        DeliveryOutcome.SplitAndRetry => "split",
        _ => "other",
    };

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
