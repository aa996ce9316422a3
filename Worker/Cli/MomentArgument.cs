using System.CommandLine.Parsing;
using System.Globalization;
using Sluice.Worker.Hosting;

namespace Sluice.Worker.Cli;

/// <summary>A moment given on the command line as an age from now (<c>30m</c>, <c>2h</c>, <c>1d</c>) or a time (ISO 8601).</summary>
internal static class MomentArgument
{
    /// <param name="result">The option's argument.</param>
    /// <param name="ahead">An age counts forward from now (<c>--until 2h</c>) rather than back (<c>--since 2h</c>).</param>
    public static DateTimeOffset? Parse(ArgumentResult result, bool ahead)
    {
        string text = result.Tokens.Count > 0 ? result.Tokens[0].Value : string.Empty;
        try
        {
            var age = Durations.Parse(text);
            return ahead ? DateTimeOffset.UtcNow + age : DateTimeOffset.UtcNow - age;
        }
        catch (FormatException) when (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at))
        {
            return at;
        }
        catch (FormatException)
        {
            string option = result.Parent is OptionResult parent ? parent.Option.Name : "the value";
            result.AddError($"{option} '{text}': write an age (30m, 2h, 1d) or a time (2026-12-03T10:00:00Z).");
            return null;
        }
    }
}
