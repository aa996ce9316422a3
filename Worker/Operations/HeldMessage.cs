using System.Text.Json;
using RabbitMQ.Client;
using Sluice.Contracts;
using Sluice.Contracts.Validation;
using Sluice.Worker.Delivery;

namespace Sluice.Worker.Operations;

/// <summary>A message in <c>mail.parked</c> or <c>mail.failed</c>, as an operator sees it.</summary>
public sealed record HeldMessage(
    ulong DeliveryTag,
    IReadOnlyBasicProperties Properties,
    ReadOnlyMemory<byte> Body,
    string Id,
    string Tenant,
    string Domain,
    string Reason,
    string Detail,
    int Attempts,
    int Redrives,
    DateTimeOffset? SettledAt)
{
    public static HeldMessage From(BasicGetResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        var headers = result.BasicProperties.Headers;
        OutboundMail? mail = null;
        try
        {
            mail = OutboundMailJson.Deserialize(result.Body.Span);
        }
        catch (JsonException)
        {
            // Invalid input is held too; show what the headers say.
        }

        string? firstRecipient = mail?.AllRecipients().Select(r => EmailAddressNormalizer.TryNormalize(r.Address, out _)).FirstOrDefault(a => a is not null);
        string? domain = MailHeaders.GetString(headers, MailHeaders.Domain)
            ?? (firstRecipient is null ? null : EmailAddressNormalizer.DomainOf(firstRecipient));
        long? settled = MailHeaders.GetLong(headers, MailHeaders.SettledAt);
        return new HeldMessage(
            result.DeliveryTag,
            result.BasicProperties,
            result.Body.ToArray(),
            result.BasicProperties.MessageId ?? mail?.Id ?? "?",
            mail?.Tenant ?? "?",
            domain ?? "?",
            MailHeaders.GetString(headers, MailHeaders.Reason) ?? BrokerReason(headers) ?? "?",
            MailHeaders.GetString(headers, MailHeaders.Detail) ?? BrokerDetail(headers) ?? string.Empty,
            (int)(MailHeaders.GetLong(headers, MailHeaders.Attempts) ?? 0),
            (int)(MailHeaders.GetLong(headers, MailHeaders.Redrives) ?? 0),
            settled is null ? null : DateTimeOffset.FromUnixTimeMilliseconds(settled.Value));
    }

    /// <summary>A message the broker dead-lettered itself (no worker was there to say why) reads as its reason.</summary>
    private static string? BrokerReason(IDictionary<string, object?>? headers) =>
        MailHeaders.GetString(headers, "x-first-death-reason") switch
        {
            null => null,
            "delivery_limit" => FailureReasons.DeliveryLimit,
            var other => "broker-" + other.Replace('_', '-'),
        };

    private static string? BrokerDetail(IDictionary<string, object?>? headers) =>
        MailHeaders.GetString(headers, "x-first-death-queue") is { } queue
            ? $"dead-lettered by the broker from {queue} ({MailHeaders.GetString(headers, "x-first-death-reason")})"
            : null;
}
