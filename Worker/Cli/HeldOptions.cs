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
        CustomParser = result => ParseArea(result) ?? default,
    };

    /// <summary>parked or failed, in any case; anything else is a usage error.</summary>
    public static HoldingArea? ParseArea(System.CommandLine.Parsing.ArgumentResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        return result.Tokens.Single().Value.ToUpperInvariant() switch
        {
            "PARKED" => HoldingArea.Parked,
            "FAILED" => HoldingArea.Failed,
            _ => Fail(result),
        };
    }

    /// <summary>The filters of held mail (<c>--id --domain --provider --reason --tenant --since --before</c>), shared by <c>inspect</c>, <c>redrive</c> and <c>purge</c>.</summary>
    public sealed class Filters
    {
        public Option<string?> Id { get; } = new("--id") { Description = "Only the message with this id." };

        public Option<string?> Domain { get; } = new("--domain") { Description = "Only mail to this recipient domain." };

        public Option<string?> Provider { get; } = new("--provider") { Description = "Only mail for this provider." };

        public Option<string?> Reason { get; } = new("--reason") { Description = "Only mail held for this reason (sluice-reason), e.g. retry-budget-spent." };

        public Option<string?> Tenant { get; } = new("--tenant") { Description = "Only this client tenant's mail." };

        public Option<DateTimeOffset?> Since { get; } = new("--since")
        {
            Description = "Only mail held since: an age (30m, 2h, 1d) or a time (ISO 8601).",
            CustomParser = result => MomentArgument.Parse(result, ahead: false),
        };

        public Option<DateTimeOffset?> Before { get; } = new("--before")
        {
            Description = "Only mail held before: an age (30d: held more than 30 days ago) or a time (ISO 8601).",
            CustomParser = result => MomentArgument.Parse(result, ahead: false),
        };

        public IEnumerable<Option> All => [Id, Domain, Provider, Reason, Tenant, Since, Before];

        public HeldMessageFilter Read(ParseResult parse)
        {
            ArgumentNullException.ThrowIfNull(parse);
            return new HeldMessageFilter(parse.GetValue(Domain), parse.GetValue(Provider), parse.GetValue(Reason), parse.GetValue(Since), parse.GetValue(Tenant), parse.GetValue(Id), parse.GetValue(Before));
        }
    }

    private static HoldingArea? Fail(System.CommandLine.Parsing.ArgumentResult result)
    {
        result.AddError("--from must be 'parked' or 'failed'.");
        return null;
    }
}
