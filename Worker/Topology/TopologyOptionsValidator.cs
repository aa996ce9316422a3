using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;
using Sluice.Contracts.Validation;

namespace Sluice.Worker.Topology;

/// <summary>DataAnnotations (source generated) plus the rules attributes cannot state.</summary>
[OptionsValidator]
internal sealed partial class TopologyOptionsAnnotationsValidator : IValidateOptions<TopologyOptions>;

internal sealed partial class TopologyOptionsValidator : IValidateOptions<TopologyOptions>
{
    private readonly TopologyOptionsAnnotationsValidator _annotations = new();

    [GeneratedRegex(ContractPatterns.Egress + @"\z", RegexOptions.CultureInvariant)]
    private static partial Regex EgressName();

    public ValidateOptionsResult Validate(string? name, TopologyOptions options)
    {
        var builder = new ValidateOptionsResultBuilder();
        builder.AddResult(_annotations.Validate(name, options));
        for (int i = 0; i < options.Egresses.Count; i++)
        {
            if (!EgressName().IsMatch(options.Egresses[i]))
            {
                builder.AddError($"'{options.Egresses[i]}' is not an egress name (lower-case letters, digits, '-')", $"Egresses:{i}");
            }
        }

        if (options.Egresses.Distinct(StringComparer.Ordinal).Count() != options.Egresses.Count)
        {
            builder.AddError("egress names must be unique", "Egresses");
        }

        for (int i = 0; i < options.DelayTiers.Count; i++)
        {
            if (options.DelayTiers[i] < TimeSpan.FromMilliseconds(100) || options.DelayTiers[i] > TimeSpan.FromDays(7))
            {
                builder.AddError($"{options.DelayTiers[i]} is outside 00:00:00.1 .. 7.00:00:00", $"DelayTiers:{i}");
            }
        }

        if (options.DelayTiers.Distinct().Count() != options.DelayTiers.Count)
        {
            builder.AddError("delay tiers must be distinct", "DelayTiers");
        }

        return builder.Build();
    }
}
