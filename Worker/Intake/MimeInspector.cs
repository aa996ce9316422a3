using MimeKit;
using Sluice.Contracts.Validation;

namespace Sluice.Worker.Intake;

/// <summary>
/// Checks a producer's own <c>mime</c> message before it is accepted: it must parse, carry exactly one
/// From field with at least one mailbox, and none of the trace or authentication fields only receivers
/// and signers write (<see cref="ProtectedHeaders.Trace"/>). Returns the From and Sender addresses so the
/// sender policy can judge them like the envelope's.
/// </summary>
public static class MimeInspector
{
    public static MimeInspection Inspect(byte[] mime)
    {
        ArgumentNullException.ThrowIfNull(mime);
        MimeMessage message;
        try
        {
            using var stream = new MemoryStream(mime, writable: false);
            message = MimeMessage.Load(stream);
        }
        catch (FormatException e)
        {
            return MimeInspection.Refused($"not a readable RFC 5322 message: {e.Message}");
        }

        using (message)
        {
            var trace = message.Headers.Select(h => h.Field).Where(ProtectedHeaders.IsTrace).Distinct(StringComparer.OrdinalIgnoreCase).ToList();
            if (trace.Count > 0)
            {
                return MimeInspection.Refused($"carries protected trace or authentication fields ({string.Join(", ", trace.Select(f => PrintableText.Escape(f, 80)))}): only receivers and signers write them");
            }

            int fromFields = message.Headers.Count(h => h.Id == HeaderId.From);
            var from = message.From.Mailboxes.Select(m => m.Address).ToList();
            if (fromFields != 1 || from.Count == 0)
            {
                return MimeInspection.Refused($"must have exactly one From field with an address (it has {fromFields} From fields, {from.Count} addresses)");
            }

            var senders = message.Sender is { } sender ? from.Append(sender.Address) : from;
            return new MimeInspection(null, [.. senders]);
        }
    }
}

/// <summary>What <see cref="MimeInspector"/> found: a refusal, or the author addresses (From, Sender).</summary>
public sealed record MimeInspection(string? Refusal, IReadOnlyList<string> Authors)
{
    public static MimeInspection Refused(string why) => new(why, []);
}
