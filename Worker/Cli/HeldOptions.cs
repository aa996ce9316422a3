using System.CommandLine;
using Sluice.Worker.Operations;

namespace Sluice.Worker.Cli;

/// <summary>Options shared by the commands that work on held mail.</summary>
internal static class HeldOptions
{
    public static Option<HoldingArea> From() => new("--from")
    {
        Description = "parked (retry budget spent) or failed (permanent failures, invalid input).",
        Required = true,
        CustomParser = result => result.Tokens.Single().Value.ToUpperInvariant() switch
        {
            "PARKED" => HoldingArea.Parked,
            "FAILED" => HoldingArea.Failed,
            _ => Fail(result),
        },
    };

    private static HoldingArea Fail(System.CommandLine.Parsing.ArgumentResult result)
    {
        result.AddError("--from must be 'parked' or 'failed'.");
        return default;
    }
}
