using System.Text.Json;
using RabbitMQ.Client;
using Sluice.Contracts;

namespace Sluice.Worker.Delivery;

/// <summary>
/// An egress queue message, read: the contract body (complete, so MIME headers show every original
/// recipient) plus the envelope this copy is for (one domain's recipients) and its retry state.
/// </summary>
public sealed record EgressEnvelope(
    OutboundMail Mail,
    string Domain,
    IReadOnlyList<string> Recipients,
    int Attempts,
    DateTimeOffset AcceptedAt,
    DateTimeOffset? NotBefore,
    bool Slotted,
    string? Provider = null,
    int Uncertain = 0)
{
    /// <summary>The limit partition: the provider when one is known, else the domain.</summary>
    public string Partition => Scheduling.Partitions.Key(Domain, Provider);

    public static string EncodeRecipients(IEnumerable<string> recipients) => JsonSerializer.Serialize(recipients.ToArray(), EnvelopeJsonContext.Default.StringArray);

    /// <summary>Reads a <c>sluice-recipients</c> value; null when it is not a JSON array of strings.</summary>
    public static string[]? TryDecodeRecipients(string json)
    {
        try
        {
            return JsonSerializer.Deserialize(json, EnvelopeJsonContext.Default.StringArray);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>Reads an envelope; null with a reason when the message is not one Sluice wrote.</summary>
    public static EgressEnvelope? TryRead(ReadOnlyMemory<byte> body, IReadOnlyBasicProperties properties, out string? problem)
    {
        ArgumentNullException.ThrowIfNull(properties);
        var headers = properties.Headers;
        string? domain = MailHeaders.GetString(headers, MailHeaders.Domain);
        string? recipients = MailHeaders.GetString(headers, MailHeaders.Recipients);
        long? acceptedAt = MailHeaders.GetLong(headers, MailHeaders.AcceptedAt);
        if (domain is null || recipients is null || acceptedAt is null)
        {
            problem = $"missing {MailHeaders.Domain}, {MailHeaders.Recipients} or {MailHeaders.AcceptedAt} header";
            return null;
        }

        try
        {
            var mail = OutboundMailJson.Deserialize(body.Span);
            string[] list = JsonSerializer.Deserialize(recipients, EnvelopeJsonContext.Default.StringArray) ?? [];
            if (list.Length == 0)
            {
                problem = $"{MailHeaders.Recipients} is empty";
                return null;
            }

            long? notBefore = MailHeaders.GetLong(headers, MailHeaders.NotBefore);
            problem = null;
            return new EgressEnvelope(
                mail,
                domain,
                list,
                (int)(MailHeaders.GetLong(headers, MailHeaders.Attempts) ?? 0),
                DateTimeOffset.FromUnixTimeMilliseconds(acceptedAt.Value),
                notBefore is null ? null : DateTimeOffset.FromUnixTimeMilliseconds(notBefore.Value),
                MailHeaders.GetLong(headers, MailHeaders.Slotted) == 1,
                MailHeaders.GetString(headers, MailHeaders.Provider),
                (int)(MailHeaders.GetLong(headers, MailHeaders.Uncertain) ?? 0));
        }
        catch (JsonException e)
        {
            problem = e.Message;
            return null;
        }
    }
}
