using System.Text.Json;
using System.Text.Json.Serialization;
using Sluice.Worker.Control;

namespace Sluice.Worker.Status;

/// <summary>What the owner of an egress knows that the broker does not: per-domain rates, backlog, pauses.</summary>
/// <param name="Egress">The egress.</param>
/// <param name="Owner">Which worker owns it (host and process id).</param>
/// <param name="At">When the snapshot was taken.</param>
/// <param name="SmarthostClosedUntil">Set while the egress backs off because the smarthost cannot be reached.</param>
/// <param name="SuspendedUntil">Set while a ban reply keeps the whole egress from sending.</param>
/// <param name="Domains">Every partition (domain, or <c>provider:NAME</c>) the owner has seen since it took over.</param>
/// <param name="WarmUp">The fraction of every limit the warm-up ramp allows now (1: full).</param>
/// <param name="SmarthostFault">While the smarthost fails: what it did wrong (<c>kind: detail</c>, e.g. <c>auth-not-offered: …</c>).</param>
/// <param name="Takeover">How the owner started: from the delivery journal (<c>journal: …</c>) or, when it could not be read, with every window held (<c>hold: …</c>).</param>
/// <param name="Senders">The sender preflight: each configured sender domain, whether it passes, what fails, and whether its mail is held.</param>
/// <param name="Paused">Every pause in force as the owner has read the control stream (so a reader need not read, or write, the stream).</param>
public sealed record EgressSnapshot(
    string Egress, string Owner, DateTimeOffset At, DateTimeOffset? SmarthostClosedUntil, DateTimeOffset? SuspendedUntil, IReadOnlyList<DomainSnapshot> Domains, double WarmUp = 1.0,
    string? SmarthostFault = null, string? Takeover = null, IReadOnlyList<ControlEvent>? Paused = null, IReadOnlyList<SenderStatus>? Senders = null)
{
    public byte[] ToJson() => JsonSerializer.SerializeToUtf8Bytes(this, StatusJsonContext.Default.EgressSnapshot);

    public static EgressSnapshot? FromJson(ReadOnlySpan<byte> json)
    {
        try
        {
            return JsonSerializer.Deserialize(json, StatusJsonContext.Default.EgressSnapshot);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}

/// <summary>One limit partition as its egress owner sees it.</summary>
/// <param name="Domain">The partition: a recipient domain, or <c>provider:NAME</c> for all the domains of a provider.</param>
/// <param name="PermitLimit">Recipients allowed per window now, after adapting to throttle replies (null: no limit).</param>
/// <param name="Ceiling">The configured limit the adaptive rate climbs back to.</param>
/// <param name="WindowSeconds">The window.</param>
/// <param name="Waiting">Messages of this partition waiting in its lane or the delay tiers (counted by the owner since it took over).</param>
/// <param name="Paused">Paused by an operator (domain or egress).</param>
/// <param name="CoolingUntil">Set after a throttle reply, or a receiver's ban of this partition.</param>
/// <param name="SuspendedUntil">Set while the partition's receiver bans this sender.</param>
/// <param name="Eta">
/// The owner's estimate of when what waits has gone: nothing before the egress may send again (smarthost back-off,
/// a suspension, the partition's cool-down), then the allowed rate as the warm-up ramp raises it.
/// </param>
/// <param name="DeliveredLastMinute">Recipients delivered in the minute before the snapshot.</param>
/// <param name="LastReply">The receiver's last reply (to the data, or refusing recipients), and <paramref name="LastReplyAt"/> when.</param>
/// <param name="LastReplyAt">When the last reply came.</param>
/// <param name="OldestWaiting">How long ago the oldest waiting message (of those the owner sent to wait) was accepted.</param>
public sealed record DomainSnapshot(
    string Domain, int? PermitLimit, int? Ceiling, double WindowSeconds, long Waiting, bool Paused, DateTimeOffset? CoolingUntil,
    DateTimeOffset? SuspendedUntil = null, TimeSpan? Eta = null, long DeliveredLastMinute = 0, string? LastReply = null, DateTimeOffset? LastReplyAt = null,
    TimeSpan? OldestWaiting = null)
{
    /// <summary>
    /// Nothing to tell: nothing waits, nothing was delivered in the last minute, no pause, cool-down or ban, and the
    /// limit is at its ceiling (<c>sluice status</c> hides such rows unless asked for all).
    /// </summary>
    public bool Idle => Waiting == 0 && DeliveredLastMinute == 0 && !Paused && CoolingUntil is null && SuspendedUntil is null && PermitLimit == Ceiling;

    /// <summary>Messages per second the domain is allowed now (null: unlimited).</summary>
    public double? AllowedPerSecond => PermitLimit is int limit ? limit / WindowSeconds : null;

    /// <summary>The owner's <see cref="Eta"/> (or, from an older owner, waiting ÷ allowed rate); null when unlimited, or never while paused.</summary>
    public TimeSpan? DrainEta => Paused || AllowedPerSecond is not { } rate ? null : Eta ?? TimeSpan.FromSeconds(Waiting / rate);
}

/// <summary>One sender domain's preflight as status shows it.</summary>
/// <param name="Domain">The sender domain.</param>
/// <param name="Ok">SPF and DKIM pass and DMARC does not fail.</param>
/// <param name="Failing">What does not pass (e.g. <c>spf fail, dkim fail</c>).</param>
/// <param name="Held">Its mail waits (the Hold policy).</param>
public sealed record SenderStatus(string Domain, bool Ok, string Failing, bool Held);

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, WriteIndented = false)]
[JsonSerializable(typeof(EgressSnapshot))]
[JsonSerializable(typeof(StatusReport))]
[JsonSerializable(typeof(Sluice.Worker.Control.ControlEvent))]
internal sealed partial class StatusJsonContext : JsonSerializerContext;
