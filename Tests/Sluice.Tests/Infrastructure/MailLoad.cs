using Sluice.Contracts;
using Sluice.Contracts.Publishing;

namespace Sluice.Tests.Infrastructure;

/// <summary>Publishes many test messages (one recipient each) with confirms, a bounded number at a time.</summary>
public static class MailLoad
{
    /// <summary>Publishes <paramref name="perDomain"/> messages to each domain, interleaved; returns them.</summary>
    public static async Task<List<OutboundMail>> PublishAsync(OutboundMailPublisher publisher, IReadOnlyList<string> domains, int perDomain)
    {
        var mails = Enumerable.Range(0, perDomain)
            .SelectMany(i => domains.Select(d => SampleMail.To($"user{i}@{d}")))
            .ToList();
        foreach (var batch in mails.Chunk(200))
        {
            await Task.WhenAll(batch.Select(m => publisher.PublishAsync(m)));
        }

        return mails;
    }
}
