using System.Reflection;
using Microsoft.Extensions.Options;

namespace Sluice.Worker.Cli;

/// <summary>Turns option validation failures into lines that name the configuration key, e.g. <c>Broker:Port</c>.</summary>
internal static class ConfigurationErrors
{
    public static IEnumerable<string> Describe(Exception e) => e switch
    {
        OptionsValidationException validation => Describe(validation),
        AggregateException aggregate => aggregate.InnerExceptions.SelectMany(Describe),
        _ => [e.Message],
    };

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
            yield return split > 0 ? $"{section}:{text[..split]}: {text[(split + 2)..]}" : $"{section}: {text}";
        }
    }

    public static bool IsConfigurationError(Exception e) => e switch
    {
        OptionsValidationException => true,
        AggregateException aggregate => aggregate.InnerExceptions.All(IsConfigurationError),
        _ => false,
    };
}
