using System.Text;
using Sluice.Worker.Scheduling;
using Sluice.Worker.Sending;

namespace Sluice.Worker.Delivery;

/// <summary>
/// How many recipients one SMTP transaction (one egress copy) may carry: never more than
/// <see cref="SmtpOptions.MaxRecipientsPerTransaction"/>, never more than any limit of its chain allows in
/// a whole window (a 500-recipient message to a domain limited to 60 a minute would otherwise go out at
/// once), and never so many that the <c>sluice-recipients</c> header outgrows its share of a broker frame.
/// </summary>
public static class RecipientBatches
{
    /// <summary>The UTF-8 size the recipients of one copy may take in its header (a frame is 128 KiB).</summary>
    public const int MaxHeaderBytes = 16 * 1024;

    /// <summary>The most recipients the configured limits allow in one transaction of <paramref name="partition"/> for <paramref name="tenant"/>.</summary>
    public static int Largest(LimitOptions limits, SmtpOptions smtp, string partition, string tenant)
    {
        ArgumentNullException.ThrowIfNull(limits);
        ArgumentNullException.ThrowIfNull(smtp);
        int?[] caps = [smtp.MaxRecipientsPerTransaction, limits.For(partition).PermitLimit, limits.ForTenant(tenant).PermitLimit, limits.Egress.PerMinute, limits.Egress.PerDay];
        return caps.Where(c => c is > 0).Min() ?? smtp.MaxRecipientsPerTransaction;
    }

    /// <summary>Cuts <paramref name="recipients"/> into batches of at most <paramref name="maxCount"/> and <see cref="MaxHeaderBytes"/>, in order.</summary>
    public static List<List<string>> Split(IReadOnlyList<string> recipients, int maxCount)
    {
        ArgumentNullException.ThrowIfNull(recipients);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxCount, 1);
        var batches = new List<List<string>>();
        var current = new List<string>();
        int bytes = 2;
        foreach (string recipient in recipients)
        {
            // Each address costs its quoted, possibly escaped, JSON form and a comma; six bytes a character bounds the escaping.
            int cost = Encoding.UTF8.GetByteCount(recipient) + 3 + (recipient.Any(char.IsControl) ? 6 * recipient.Length : 0);
            if (current.Count > 0 && (current.Count >= maxCount || bytes + cost > MaxHeaderBytes))
            {
                batches.Add(current);
                current = [];
                bytes = 2;
            }

            current.Add(recipient);
            bytes += cost;
        }

        if (current.Count > 0)
        {
            batches.Add(current);
        }

        return batches;
    }
}
