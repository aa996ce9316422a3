using System.Text.RegularExpressions;

namespace Sluice.Worker.Classification;

/// <summary>
/// One SMTP reply: the basic code, the enhanced status code (RFC 3463) when the text starts with one,
/// and the text. Servers that advertise ENHANCEDSTATUSCODES put it first in the text; MailKit does not
/// parse it out, so this does.
/// </summary>
public sealed partial record SmtpReply(int Code, string? EnhancedCode, string Text)
{
    public bool IsPositive => Code is >= 200 and < 300;

    public static SmtpReply From(int code, string? text)
    {
        string body = (text ?? string.Empty).Trim();
        var match = EnhancedCodePattern().Match(body);
        return match.Success
            ? new SmtpReply(code, match.Groups[1].Value, body[match.Length..].Trim())
            : new SmtpReply(code, null, body);
    }

    public override string ToString() => EnhancedCode is null ? $"{Code} {Text}" : $"{Code} {EnhancedCode} {Text}";

    [GeneratedRegex(@"^([245]\.\d{1,3}\.\d{1,3})(?:\s+|$)", RegexOptions.CultureInvariant)]
    private static partial Regex EnhancedCodePattern();
}
