using System.ComponentModel;
using System.Globalization;
using System.Text.RegularExpressions;

namespace Sluice.Worker.Hosting;

/// <summary>
/// How a duration is written in configuration: <c>250ms</c>, <c>10s</c>, <c>5m</c>, <c>1h</c>, <c>2d</c>, or
/// .NET's <c>[d.]hh:mm:ss[.fff]</c>. A bare number is refused: <c>TimeSpan</c> would read <c>10</c> as ten
/// days, which no one writing a window of ten seconds means.
/// </summary>
public static partial class Durations
{
    [GeneratedRegex(@"^\s*(?<sign>-)?(?<value>\d+(?:\.\d+)?)\s*(?<unit>ms|s|m|h|d)\s*\z", RegexOptions.CultureInvariant)]
    private static partial Regex WithUnit();

    /// <summary>Reads <paramref name="text"/>, or throws <see cref="FormatException"/> saying how to write it.</summary>
    public static TimeSpan Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var match = WithUnit().Match(text);
        if (match.Success)
        {
            double value = double.Parse(match.Groups["value"].Value, CultureInfo.InvariantCulture);
            var duration = match.Groups["unit"].Value switch
            {
                "ms" => TimeSpan.FromMilliseconds(value),
                "s" => TimeSpan.FromSeconds(value),
                "m" => TimeSpan.FromMinutes(value),
                "h" => TimeSpan.FromHours(value),
                _ => TimeSpan.FromDays(value),
            };
            return match.Groups["sign"].Success ? -duration : duration;
        }

        if (text.Contains(':', StringComparison.Ordinal) && TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out var clock))
        {
            return clock;
        }

        throw new FormatException($"'{text}' is not a duration: write 250ms, 10s, 5m, 1h, 2d or hh:mm:ss (a bare number has no unit)");
    }

    /// <summary>Makes the configuration binder read every <see cref="TimeSpan"/> with <see cref="Parse"/> (once per process).</summary>
    public static void UseForConfiguration() => Registration.Value.ToString();

    private static readonly Lazy<bool> Registration = new(() =>
    {
        TypeDescriptor.AddAttributes(typeof(TimeSpan), new TypeConverterAttribute(typeof(DurationConverter)));
        return true;
    });

    /// <summary>The binder's converter for <see cref="TimeSpan"/>.</summary>
    private sealed class DurationConverter : TimeSpanConverter
    {
        public override object? ConvertFrom(ITypeDescriptorContext? context, CultureInfo? culture, object value) =>
            value is string text ? Parse(text) : base.ConvertFrom(context, culture, value);
    }
}
