namespace Sluice.Worker.Operations;

/// <summary>Which held messages an operator means; every criterion given must match.</summary>
/// <param name="Domain">Recipient domain (exact, case-insensitive).</param>
/// <param name="Provider">Provider name (the <c>sluice-provider</c> header intake sets).</param>
/// <param name="Reason">The <c>sluice-reason</c> value.</param>
/// <param name="Since">Held at or after this time.</param>
/// <param name="Tenant">The client tenant (exact).</param>
/// <param name="Id">The message's id (exact).</param>
/// <param name="Before">Held before this time (retention: <c>purge --before 30d</c>).</param>
public sealed record HeldMessageFilter(
    string? Domain = null, string? Provider = null, string? Reason = null, DateTimeOffset? Since = null, string? Tenant = null, string? Id = null, DateTimeOffset? Before = null)
{
    public bool Matches(HeldMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        return (Domain is null || string.Equals(message.Domain, Domain, StringComparison.OrdinalIgnoreCase))
            && (Provider is null || string.Equals(Delivery.MailHeaders.GetString(message.Properties.Headers, Delivery.MailHeaders.Provider), Provider, StringComparison.OrdinalIgnoreCase))
            && (Reason is null || string.Equals(message.Reason, Reason, StringComparison.Ordinal))
            && (Since is null || (message.SettledAt is { } at && at >= Since))
            && (Tenant is null || string.Equals(message.Tenant, Tenant, StringComparison.Ordinal))
            && (Id is null || string.Equals(message.Id, Id, StringComparison.Ordinal))
            && (Before is null || (message.SettledAt is { } held && held < Before));
    }
}
