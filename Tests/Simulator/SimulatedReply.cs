using System.Globalization;

namespace Sluice.Simulator;

/// <summary>A reply line such as <c>451 4.7.500 Server busy</c>, split into its code and the text after it.</summary>
public readonly record struct SimulatedReply(int Code, string Text)
{
    public static readonly SimulatedReply Accepted = new(250, "2.1.5 Recipient OK");

    public bool IsAccepted => Code is >= 200 and < 300;

    public static SimulatedReply Parse(string line)
    {
        ArgumentNullException.ThrowIfNull(line);
        int space = line.IndexOf(' ', StringComparison.Ordinal);
        string code = space < 0 ? line : line[..space];
        return new SimulatedReply(int.Parse(code, CultureInfo.InvariantCulture), space < 0 ? string.Empty : line[(space + 1)..]);
    }

    public override string ToString() => $"{Code} {Text}";
}
