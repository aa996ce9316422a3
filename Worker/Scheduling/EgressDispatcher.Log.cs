using Microsoft.Extensions.Logging;
using Sluice.Contracts.Validation;

namespace Sluice.Worker.Scheduling;

/// <summary>The dispatcher's log lines (source-generated).</summary>
public sealed partial class EgressDispatcher
{
    [LoggerMessage(Level = LogLevel.Warning, Message = "Message {MessageId} to {Domain}: the connection failed after the receiver accepted it ({Uncertain} of {Retries} uncertain sends allowed); trying again after the back-off.")]
    private partial void LogUncertain(string? messageId, string domain, int uncertain, int retries);

    [LoggerMessage(Level = LogLevel.Information, Message = "Message {MessageId} to {Domain}: {Count} recipients already had it (delivery journal); not sent again.")]
    private partial void LogDuplicate(string? messageId, string domain, int count);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Message {MessageId} to {Domain}: {Accepted} accepted, {Refused} refused.")]
    private partial void LogSent(string? messageId, string domain, int accepted, int refused);

    /// <summary>Receivers' replies and producers' ids reach the log escaped: a multi-line reply must not forge log lines.</summary>
    private void LogSettled(string? messageId, string domain, string reason, string? detail) =>
        LogSettledEscaped(PrintableText.Escape(messageId, 200), domain, reason, PrintableText.Escape(detail, 1000));

    [LoggerMessage(Level = LogLevel.Warning, Message = "Message {MessageId} to {Domain}: {Reason}: {Detail}")]
    private partial void LogSettledEscaped(string messageId, string domain, string reason, string detail);

    [LoggerMessage(Level = LogLevel.Critical, Message = "Egress {Egress} is BANNED by a receiver ({Reply}). Every send of this egress stops until {Until:O} (or `sluice resume egress:{Egress}`); no mail is failed, all of it waits.")]
    private partial void LogBanned(string egress, string reply, DateTimeOffset until);

    [LoggerMessage(Level = LogLevel.Critical, Message = "Egress {Egress}: {Partition} BANS this sender ({Reply}). Nothing more goes to it until {Until:O} (or `sluice resume` of it); the rest of the egress goes on, and its mail waits.")]
    private partial void LogPartitionBanned(string egress, string partition, string reply, DateTimeOffset until);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Domain} throttles ({Reply}); pausing it until {Until:O}.")]
    private partial void LogThrottled(string domain, string reply, DateTimeOffset until);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Egress {Egress}: smarthost fault {Kind}: {Detail}; every send waits {Seconds:0.#} s, no mail is failed.")]
    private partial void LogConnectionFailure(string egress, string kind, string detail, double seconds);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Smarthost fault detail.")]
    private partial void LogConnectionFailureDetail(Exception exception);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Message {MessageId} to {Domain}: egress {Egress} is suspended by a ban; moved to its fallback {Fallback}.")]
    private partial void LogRerouted(string? messageId, string domain, string egress, string fallback);
}
