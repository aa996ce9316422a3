using System.Text;
using System.Text.RegularExpressions;

namespace Sluice.Contracts.Validation;

/// <summary>
/// The contract's rules beyond JSON shape: schema version, address syntax and IDN domains, at least
/// one recipient, one body form (rendered or <c>mime</c>), safe header fields and size caps.
/// Every violation names its field as a JSON path so a producer can fix it without guessing.
/// </summary>
public static partial class OutboundMailValidator
{
    [GeneratedRegex(ContractPatterns.Id + @"\z", RegexOptions.CultureInvariant)]
    private static partial Regex IdShape();

    [GeneratedRegex(ContractPatterns.Tenant + @"\z", RegexOptions.CultureInvariant)]
    private static partial Regex TenantShape();

    [GeneratedRegex(ContractPatterns.Egress + @"\z", RegexOptions.CultureInvariant)]
    private static partial Regex EgressShape();

    [GeneratedRegex(ContractPatterns.HeaderName + @"\z", RegexOptions.CultureInvariant)]
    private static partial Regex HeaderNameShape();

    [GeneratedRegex(ContractPatterns.ContentType + @"\z", RegexOptions.CultureInvariant)]
    private static partial Regex ContentTypeShape();

    [GeneratedRegex(ContractPatterns.HeaderValueForbidden, RegexOptions.CultureInvariant)]
    private static partial Regex HeaderValueForbidden();

    /// <summary>Checks <paramref name="mail"/>; on success returns it with every address domain normalised.</summary>
    public static ValidationResult Validate(OutboundMail mail, ContractLimits limits)
    {
        ArgumentNullException.ThrowIfNull(mail);
        ArgumentNullException.ThrowIfNull(limits);
        var violations = new List<ContractViolation>();

        if (mail.SchemaVersion != OutboundMail.CurrentSchemaVersion)
        {
            violations.Add(new("schemaVersion", $"must be {OutboundMail.CurrentSchemaVersion}, was {mail.SchemaVersion}"));
        }

        RequireShape(violations, "id", mail.Id, IdShape(), "1-200 printable ASCII characters without spaces");
        RequireShape(violations, "tenant", mail.Tenant, TenantShape(), "1-100 printable ASCII characters without spaces");
        if (mail.Egress is not null)
        {
            RequireShape(violations, "egress", mail.Egress, EgressShape(), "lower-case letters, digits and '-', starting with a letter or digit, at most 63");
        }

        var from = NormalizeMailbox(violations, "from", mail.From);
        var replyTo = mail.ReplyTo is null ? null : NormalizeMailbox(violations, "replyTo", mail.ReplyTo);
        var to = NormalizeList(violations, "to", mail.To);
        var cc = NormalizeList(violations, "cc", mail.Cc);
        var bcc = NormalizeList(violations, "bcc", mail.Bcc);

        int recipients = mail.To.Count + mail.Cc.Count + mail.Bcc.Count;
        if (recipients == 0)
        {
            violations.Add(new("to", "at least one recipient is required in to, cc or bcc"));
        }
        else if (recipients > limits.MaxRecipients)
        {
            violations.Add(new("to", $"{recipients} recipients exceed the limit of {limits.MaxRecipients}"));
        }

        CheckBody(violations, mail, limits);
        CheckHeaders(violations, mail.Headers, limits);

        if (violations.Count > 0)
        {
            return new ValidationResult(null, violations);
        }

        var normalized = mail with { From = from!, ReplyTo = replyTo, To = to, Cc = cc, Bcc = bcc };
        return new ValidationResult(normalized, violations);
    }

    /// <summary>Like <see cref="Validate"/>, but throws <see cref="InvalidOutboundMailException"/>.</summary>
    public static OutboundMail ValidateOrThrow(OutboundMail mail, ContractLimits limits)
    {
        var result = Validate(mail, limits);
        return result.Mail ?? throw new InvalidOutboundMailException(result.Violations);
    }

    private static void RequireShape(List<ContractViolation> violations, string field, string? value, Regex shape, string rule)
    {
        if (value is null || !shape.IsMatch(value))
        {
            violations.Add(new(field, $"must be {rule}"));
        }
    }

    private static EmailAddress? NormalizeMailbox(List<ContractViolation> violations, string field, EmailAddress? mailbox)
    {
        if (mailbox is null)
        {
            violations.Add(new(field, "is required"));
            return null;
        }

        string? address = EmailAddressNormalizer.TryNormalize(mailbox.Address, out string? error);
        if (address is null)
        {
            violations.Add(new($"{field}.address", error!));
            return null;
        }

        if (mailbox.Name is { } name && name.AsSpan().IndexOfAny('\r', '\n') >= 0)
        {
            violations.Add(new($"{field}.name", "must not contain line breaks"));
        }

        return mailbox with { Address = address };
    }

    private static List<EmailAddress> NormalizeList(List<ContractViolation> violations, string field, IReadOnlyList<EmailAddress> list)
    {
        var normalized = new List<EmailAddress>(list.Count);
        for (int i = 0; i < list.Count; i++)
        {
            if (NormalizeMailbox(violations, $"{field}[{i}]", list[i]) is { } mailbox)
            {
                normalized.Add(mailbox);
            }
        }

        return normalized;
    }

    private static void CheckBody(List<ContractViolation> violations, OutboundMail mail, ContractLimits limits)
    {
        if (mail.Mime is not null)
        {
            foreach (var (field, present) in new[]
            {
                ("subject", mail.Subject is not null), ("text", mail.Text is not null),
                ("html", mail.Html is not null), ("attachments", mail.Attachments.Count > 0),
            })
            {
                if (present)
                {
                    violations.Add(new(field, "must be absent when mime is given (the mime message is sent as is)"));
                }
            }

            if (mail.Mime.Length == 0)
            {
                violations.Add(new("mime", "must not be empty"));
            }
            else if (mail.Mime.Length > limits.MaxMimeBytes)
            {
                violations.Add(new("mime", $"{mail.Mime.Length} bytes exceed the limit of {limits.MaxMimeBytes}"));
            }

            return;
        }

        if (mail.Subject is null)
        {
            violations.Add(new("subject", "is required (or give a complete message in mime)"));
        }
        else if (mail.Subject.Length > limits.MaxSubjectChars)
        {
            violations.Add(new("subject", $"{mail.Subject.Length} characters exceed the limit of {limits.MaxSubjectChars}"));
        }
        else if (mail.Subject.AsSpan().IndexOfAny('\r', '\n') >= 0)
        {
            violations.Add(new("subject", "must not contain line breaks"));
        }

        if (mail.Text is null && mail.Html is null)
        {
            violations.Add(new("text", "text or html is required (or give a complete message in mime)"));
        }

        CheckBytes(violations, "text", mail.Text, limits.MaxTextBytes);
        CheckBytes(violations, "html", mail.Html, limits.MaxHtmlBytes);

        long total = 0;
        for (int i = 0; i < mail.Attachments.Count; i++)
        {
            var attachment = mail.Attachments[i];
            if (string.IsNullOrWhiteSpace(attachment.FileName) || attachment.FileName.AsSpan().IndexOfAny('\r', '\n') >= 0)
            {
                violations.Add(new($"attachments[{i}].fileName", "must be a non-empty single-line file name"));
            }

            if (!ContentTypeShape().IsMatch(attachment.ContentType))
            {
                violations.Add(new($"attachments[{i}].contentType", $"'{attachment.ContentType}' is not a MIME type like application/pdf"));
            }

            total += attachment.Content.Length;
        }

        if (total > limits.MaxAttachmentBytes)
        {
            violations.Add(new("attachments", $"{total} bytes in all exceed the limit of {limits.MaxAttachmentBytes}"));
        }
    }

    private static void CheckBytes(List<ContractViolation> violations, string field, string? value, int max)
    {
        // Counting UTF-8 bytes costs a pass over the text; a string of more than max chars is too long either way.
        if (value is not null && (value.Length > max || Encoding.UTF8.GetByteCount(value) > max))
        {
            violations.Add(new(field, $"exceeds the limit of {max} bytes"));
        }
    }

    private static void CheckHeaders(List<ContractViolation> violations, IReadOnlyDictionary<string, string> headers, ContractLimits limits)
    {
        long total = 0;
        foreach (var (name, value) in headers)
        {
            total += Encoding.UTF8.GetByteCount(name) + Encoding.UTF8.GetByteCount(value);
            if (!HeaderNameShape().IsMatch(name))
            {
                violations.Add(new($"headers.{PrintableText.Escape(name, 80)}", "is not a valid header field name (printable ASCII, no colon)"));
                continue;
            }

            if (ProtectedHeaders.RefusedInHeaders(name))
            {
                violations.Add(new($"headers.{name}", "is a protected field: Sluice writes it from the message's own fields, or only receivers and signers may"));
            }

            // A line break in a value would let a producer inject header fields or a body.
            if (HeaderValueForbidden().IsMatch(value))
            {
                violations.Add(new($"headers.{name}", "must not contain line breaks or control characters"));
            }
        }

        if (total > limits.MaxHeaderBytes)
        {
            violations.Add(new("headers", $"{total} bytes in all exceed the limit of {limits.MaxHeaderBytes}"));
        }
    }
}
