namespace Sluice.Contracts.Validation;

/// <summary>
/// A producer's text as it may appear in an error, a header or a log line: control characters (CR and
/// LF above all, which would forge log lines) become <c>\uXXXX</c>, and the whole is cut to a length.
/// </summary>
public static class PrintableText
{
    public static string Escape(string? text, int maxLength = 300)
    {
        if (text is null)
        {
            return string.Empty;
        }

        string cut = text.Length <= maxLength ? text : text[..maxLength] + "…";
        return cut.Any(char.IsControl)
            ? string.Concat(cut.Select(c => char.IsControl(c) ? $"\\u{(int)c:x4}" : c.ToString()))
            : cut;
    }
}
