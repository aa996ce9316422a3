using System.Diagnostics;
using System.Text;

namespace Sluice.Worker.Telemetry;

/// <summary>
/// Sluice's spans (ActivitySource <c>Sluice</c>) and the W3C trace context they carry in message
/// headers (<c>traceparent</c>, <c>tracestate</c>), so one trace runs from the producer's publish
/// through intake, the delay tiers and the SMTP send. Span names are fixed words, never a domain.
/// </summary>
public static class SluiceActivities
{
    public const string SourceName = "Sluice";

    public static readonly ActivitySource Source = new(SourceName);

    private const string TraceParentHeader = "traceparent";
    private const string TraceStateHeader = "tracestate";

    // W3C Trace Context: a tracestate longer than 512 characters may be dropped by whoever propagates it.
    private const int MaxTraceStateLength = 512;

    /// <summary>Starts a span whose parent is the context in <paramref name="headers"/> (the publisher's).</summary>
    public static Activity? StartFrom(string name, ActivityKind kind, IDictionary<string, object?>? headers)
    {
        if (!Source.HasListeners())
        {
            return null;
        }

        DistributedContextPropagator.Current.ExtractTraceIdAndState(headers, ReadHeader, out string? traceParent, out string? traceState);
        var parent = ActivityContext.TryParse(traceParent, traceState, isRemote: true, out var context) ? context : default;
        return Source.StartActivity(name, kind, parent);
    }

    /// <summary>
    /// Copies the W3C trace context from <paramref name="from"/> (a producer's headers, which are otherwise dropped) into
    /// <paramref name="to"/>, so the trace carries on with no span started here (tracing is off without a collector).
    /// Only a well-formed <c>traceparent</c> is kept, and a <c>tracestate</c> no longer than W3C's propagation limit:
    /// a producer's header is not trusted to be either.
    /// </summary>
    public static void CarryOver(IDictionary<string, object?>? from, IDictionary<string, object?> to)
    {
        ArgumentNullException.ThrowIfNull(to);
        DistributedContextPropagator.Current.ExtractTraceIdAndState(from, ReadHeader, out string? traceParent, out string? traceState);
        if (traceParent is null || !ActivityContext.TryParse(traceParent, traceState: null, out _))
        {
            return;
        }

        to[TraceParentHeader] = traceParent;
        if (traceState is { Length: > 0 and <= MaxTraceStateLength })
        {
            to[TraceStateHeader] = traceState;
        }
    }

    /// <summary>Writes the current span's context into <paramref name="headers"/> (replacing one copied from the original).</summary>
    public static void Inject(IDictionary<string, object?> headers)
    {
        ArgumentNullException.ThrowIfNull(headers);
        if (Activity.Current is { } current)
        {
            DistributedContextPropagator.Current.Inject(current, headers, static (carrier, key, value) =>
            {
                if (carrier is IDictionary<string, object?> map)
                {
                    map[key] = value;
                }
            });
        }
    }

    private static void ReadHeader(object? carrier, string name, out string? value, out IEnumerable<string>? values)
    {
        values = null;
        value = carrier is IDictionary<string, object?> headers && headers.TryGetValue(name, out var raw)
            ? raw switch
            {
                byte[] bytes => Encoding.UTF8.GetString(bytes),
                string text => text,
                _ => null,
            }
            : null;
    }
}
