using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Sluice.Worker.Scheduling;
using Sluice.Worker.Sending;
using Sluice.Worker.Topology;

namespace Sluice.Worker.Routing;

/// <summary>
/// What each egress sends with: the <c>Smtp</c> and <c>Limits</c> sections are every egress's defaults, and
/// <c>Egresses:NAME:Smtp</c> / <c>Egresses:NAME:Limits</c> override them key by key for egress NAME (a smarthost,
/// credentials, connections or limits of its own). Each egress's settings are a named options instance (the
/// egress's name), bound and validated at start like the defaults.
/// </summary>
public sealed class EgressSettings(IOptionsMonitor<SmtpOptions> smtp, IOptionsMonitor<LimitOptions> limits, IConfiguration configuration)
{
    public const string SectionName = "Egresses";

    /// <summary>
    /// The egress that sends <paramref name="egress"/>'s mail while a ban suspends it (<c>Egresses:NAME:Fallback</c>);
    /// null: the mail waits for the suspension to end.
    /// </summary>
    public string? Fallback(string egress) => FallbackOf(configuration, egress);

    /// <summary>The sections an egress's <paramref name="section"/> settings are bound from, in order: the defaults, then the egress's own.</summary>
    public static IReadOnlyList<IConfigurationSection> Layers(IConfiguration configuration, string section, string egress)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        return [configuration.GetSection(section), configuration.GetSection($"{SectionName}:{egress}:{section}")];
    }

    internal static string? FallbackOf(IConfiguration configuration, string egress) =>
        configuration[$"{SectionName}:{egress}:Fallback"] is { Length: > 0 } fallback ? fallback : null;

    /// <summary>The SMTP settings of <paramref name="egress"/>.</summary>
    public SmtpOptions Smtp(string egress) => smtp.Get(egress);

    /// <summary>The limits of <paramref name="egress"/>.</summary>
    public LimitOptions Limits(string egress) => limits.Get(egress);

    /// <summary>Registers one named <see cref="SmtpOptions"/> and <see cref="LimitOptions"/> per configured egress, validated at start.</summary>
    public static void Register(IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var topology = configuration.GetSection(TopologyOptions.SectionName).Get<TopologyOptions>() ?? new TopologyOptions();
        foreach (string egress in topology.EffectiveEgresses)
        {
            var smtp = services.AddOptions<SmtpOptions>(egress);
            foreach (var layer in Layers(configuration, SmtpOptions.SectionName, egress))
            {
                smtp.Bind(layer);
            }

            var limits = services.AddOptions<LimitOptions>(egress);
            foreach (var layer in Layers(configuration, LimitOptions.SectionName, egress))
            {
                limits.Bind(layer);
            }

            smtp.ValidateOnStart();
            limits.ValidateOnStart();
        }

        services.AddSingleton<EgressSettings>();
        services.AddSingleton<IValidateOptions<TopologyOptions>, EgressSectionsValidator>();
    }
}
