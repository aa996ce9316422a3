using System.Reflection;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;

namespace Sluice.Worker.Cli;

/// <summary>Turns option validation failures into lines that name the configuration key, e.g. <c>Broker:Port</c>.</summary>
internal static partial class ConfigurationErrors
{
    public static IEnumerable<string> Describe(Exception e) => e switch
    {
        OptionsValidationException validation => Describe(validation),
        AggregateException aggregate => aggregate.InnerExceptions.SelectMany(Describe),

        // The binder's "Failed to convert configuration value '10' at 'Limits:Default:Window' to type ...": the key and why.
        InvalidOperationException { InnerException: FormatException format } when ConvertedKey().Match(e.Message) is { Success: true } key =>
            [$"{key.Groups[1].Value}: {format.Message}"],
        InvalidOperationException { InnerException: { } inner } when ConvertedKey().Match(e.Message) is { Success: true } key =>
            [$"{key.Groups[1].Value}: {inner.Message}"],
        _ => [e.Message],
    };

    [GeneratedRegex(@" at '([^']+)'", RegexOptions.CultureInvariant)]
    private static partial Regex ConvertedKey();

    private static IEnumerable<string> Describe(OptionsValidationException e)
    {
        // Every options class declares its section as a const SectionName.
        string section = e.OptionsType.GetField("SectionName", BindingFlags.Public | BindingFlags.Static)?.GetValue(null) as string
            ?? e.OptionsType.Name;

        // Failures read "Member: message" (DataAnnotations) or "Property Member: message" (custom rules).
        foreach (string failure in e.Failures)
        {
            string text = failure.StartsWith("Property ", StringComparison.Ordinal) ? failure["Property ".Length..] : failure;
            int split = text.IndexOf(": ", StringComparison.Ordinal);
            if (split <= 0)
            {
                yield return $"{section}: {text}";
                continue;
            }

            var (key, message) = (text[..split], text[(split + 2)..]);
            if (FieldPhrase().Match(message) is { Success: true } field)
            {
                // "The field LimitOptions.Default.Window must be ...": the member is only "Window"; the path is in the phrase.
                string[] parts = field.Groups[1].Value.Split('.');
                string path = string.Join(':', parts.Length > 1 && parts[0].EndsWith("Options", StringComparison.Ordinal) ? parts[1..] : parts);
                key = key.EndsWith(path, StringComparison.Ordinal) ? key : path;
                message = field.Groups[2].Value;
            }

            yield return $"{section}:{key}: {message}";
        }
    }

    [GeneratedRegex(@"^The field ([\w.]+) (.*)\z", RegexOptions.CultureInvariant | RegexOptions.Singleline)]
    private static partial Regex FieldPhrase();

    public static bool IsConfigurationError(Exception e) => e switch
    {
        OptionsValidationException => true,
        AggregateException aggregate => aggregate.InnerExceptions.All(IsConfigurationError),
        _ => false,
    };
}
