using Sluice.Contracts;
using Sluice.Contracts.Publishing;

namespace Sluice.Benchmark;

/// <summary>Publishes a backlog (one recipient per message, domains interleaved) with confirms.</summary>
internal static class Backlog
{
    public static async Task<List<string>> PublishAsync(OutboundMailPublisher publisher, IReadOnlyList<string> domains, int perDomain)
    {
        var ids = new List<string>(domains.Count * perDomain);
        var batch = new List<Task>(500);
        for (int i = 0; i < perDomain; i++)
        {
            foreach (string domain in domains)
            {
                var mail = Mail($"user{i}@{domain}");
                ids.Add(mail.Id);
                batch.Add(publisher.PublishAsync(mail));
                if (batch.Count == 500)
                {
                    await Task.WhenAll(batch);
                    batch.Clear();
                }
            }
        }

        await Task.WhenAll(batch);
        return ids;
    }

    public static OutboundMail Mail(string recipient) => new()
    {
        SchemaVersion = OutboundMail.CurrentSchemaVersion,
        Id = "bench-" + Guid.NewGuid().ToString("N"),
        Tenant = "bench",
        From = new EmailAddress { Address = "notifications@sender.example" },
        To = [new EmailAddress { Address = recipient }],
        Subject = "Your ticket was updated",
        Text = "Hello,\r\n\r\nyour ticket #4711 has a new reply.\r\n",
        CreatedAt = DateTimeOffset.UtcNow,
    };
}
