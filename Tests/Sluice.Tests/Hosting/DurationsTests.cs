using Sluice.Worker.Hosting;

namespace Sluice.Tests.Hosting;

public sealed class DurationsTests
{
    [Theory]
    [InlineData("250ms", 0.25)]
    [InlineData("10s", 10)]
    [InlineData("1.5s", 1.5)]
    [InlineData("5m", 300)]
    [InlineData("1h", 3600)]
    [InlineData("2d", 172_800)]
    [InlineData("00:01:00", 60)]
    [InlineData("1.00:00:00", 86_400)]
    [InlineData("-10s", -10)]
    [InlineData("-00:00:10", -10)]
    public void Human_and_clock_forms_are_read(string text, double seconds)
    {
        Assert.Equal(TimeSpan.FromSeconds(seconds), Durations.Parse(text));
    }

    [Theory]
    [InlineData("10")]
    [InlineData("10 seconds")]
    [InlineData("")]
    [InlineData("soon")]
    public void A_bare_number_or_a_word_is_refused_with_how_to_write_it(string text)
    {
        var e = Assert.Throws<FormatException>(() => Durations.Parse(text));
        Assert.Contains("10s", e.Message, StringComparison.Ordinal);
    }
}
