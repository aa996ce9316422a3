using RabbitMQ.Client;
using Sluice.Contracts;
using Sluice.Tests.Infrastructure;
using Sluice.Worker.Delivery;

namespace Sluice.Tests.Operations;

/// <summary>Seeds mail.parked / mail.failed with held egress copies, as the worker writes them.</summary>
public static class HeldMail
{
    public static async Task<List<string>> SeedAsync(IConnection connection, string queue, IEnumerable<(string Domain, string Reason)> messages)
    {
        var ids = new List<string>();
        await using var channel = await connection.CreateChannelAsync(new CreateChannelOptions(true, true));
        foreach (var (domain, reason) in messages)
        {
            var mail = SampleMail.To($"ann@{domain}", $"bob@{domain}");
            ids.Add(mail.Id);
            var properties = new BasicProperties
            {
                MessageId = mail.Id,
                Persistent = true,
                Headers = new Dictionary<string, object?>
                {
                    [MailHeaders.Domain] = domain,
                    [MailHeaders.Recipients] = $"[\"bob@{domain}\"]",
                    [MailHeaders.Reason] = reason,
                    [MailHeaders.Detail] = "451 4.7.500 Server busy",
                    [MailHeaders.Attempts] = 30L,
                    [MailHeaders.SettledAt] = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(),
                },
            };
            await channel.BasicPublishAsync(string.Empty, queue, mandatory: true, properties, OutboundMailJson.Serialize(mail));
        }

        return ids;
    }
}
