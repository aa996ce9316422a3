using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using Sluice.Worker.Topology;

namespace Sluice.Worker.Routing;

/// <summary>
/// Refuses to start when <c>Egresses:NAME</c> or a routing rule names an egress the topology does not have: its
/// settings or its mail would otherwise go nowhere without a word.
/// </summary>
internal sealed class EgressSectionsValidator(IConfiguration configuration) : IValidateOptions<TopologyOptions>
{
    public ValidateOptionsResult Validate(string? name, TopologyOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var known = options.EffectiveEgresses.ToHashSet(StringComparer.Ordinal);
        string list = string.Join(", ", options.EffectiveEgresses);
        var failures = configuration.GetSection(EgressSettings.SectionName).GetChildren()
            .Where(section => !known.Contains(section.Key))
            .Select(section => $"{EgressSettings.SectionName}:{section.Key}: no such egress (Topology:Egresses is {list})")
            .ToList();
        foreach (string egress in options.EffectiveEgresses)
        {
            if (EgressSettings.FallbackOf(configuration, egress) is { } fallback && (!known.Contains(fallback) || fallback == egress))
            {
                failures.Add($"{EgressSettings.SectionName}:{egress}:Fallback: '{fallback}' is not another egress (Topology:Egresses is {list})");
            }
        }

        var routing = configuration.GetSection(RoutingOptions.SectionName).Get<RoutingOptions>() ?? new RoutingOptions();
        failures.AddRange(routing.Rules.Select((rule, i) => (rule, i))
            .Where(r => !known.Contains(r.rule.Egress))
            .Select(r => $"{RoutingOptions.SectionName}:Rules:{r.i}:Egress: '{r.rule.Egress}' is no such egress (Topology:Egresses is {list})"));
        failures.AddRange(routing.Rules.Select((rule, i) => (rule, i))
            .Where(r => r.rule.Tenant is null && r.rule.SenderDomain is null)
            .Select(r => $"{RoutingOptions.SectionName}:Rules:{r.i}: a rule needs a Tenant or a SenderDomain (a rule for everything is Routing:Default)"));
        if (routing.Default is { } chosen && !known.Contains(chosen))
        {
            failures.Add($"{RoutingOptions.SectionName}:Default: '{chosen}' is no such egress (Topology:Egresses is {list})");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
