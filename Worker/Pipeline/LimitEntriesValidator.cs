using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using Sluice.Worker.Hosting;
using Sluice.Worker.Scheduling;

namespace Sluice.Worker.Pipeline;

/// <summary>
/// Validates the entries of <see cref="LimitOptions"/>' dictionaries (<c>Limits:Domains:*</c>,
/// <c>Limits:Providers:*</c>, <c>Limits:Tenants:*</c>), which the source-generated validator does not
/// descend into: a <c>PermitLimit</c> of 0 or a zero window is refused at start, naming the key. The
/// configuration binder silently drops a dictionary entry with a value it cannot convert (a window of
/// <c>10</c>), so entries present in the configuration but missing after binding are refused too.
/// </summary>
internal sealed class LimitEntriesValidator(IConfiguration configuration) : IValidateOptions<LimitOptions>
{
    public ValidateOptionsResult Validate(string? name, LimitOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        // An egress's own limits (a named instance) are the defaults with Egresses:NAME:Limits on top: both are read.
        string[] roots = string.IsNullOrEmpty(name)
            ? [LimitOptions.SectionName]
            : [LimitOptions.SectionName, $"{Routing.EgressSettings.SectionName}:{name}:{LimitOptions.SectionName}"];
        foreach (string root in roots)
        {
            Check(root, "Domains", options.Domains, failures);
            Check(root, "Providers", options.Providers, failures);
            Check(root, "Tenants", options.Tenants, failures);
        }
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private void Check<T>(string root, string section, Dictionary<string, T> entries, List<string> failures)
        where T : WindowLimit
    {
        foreach (var (key, limit) in entries)
        {
            var results = new List<ValidationResult>();
            if (!Validator.TryValidateObject(limit, new ValidationContext(limit), results, validateAllProperties: true))
            {
                failures.AddRange(results.Select(r => $"{section}:{key}:{string.Join(',', r.MemberNames)}: {r.ErrorMessage}"));
            }
        }

        foreach (var entry in configuration.GetSection($"{root}:{section}").GetChildren().Where(c => !entries.ContainsKey(c.Key)))
        {
            failures.AddRange(entry.GetChildren().Select(value => Unreadable(value)).OfType<string>().Select(why => $"{section}:{entry.Key}:{why}")
                .DefaultIfEmpty($"{section}:{entry.Key}: could not be read."));
        }
    }

    /// <summary>Why one value of a dropped entry could not be read (null: it can).</summary>
    private static string? Unreadable(IConfigurationSection value)
    {
        if (value.Value is not { } text)
        {
            return null;
        }

        if (value.Key.Equals(nameof(WindowLimit.Window), StringComparison.OrdinalIgnoreCase))
        {
            try
            {
                Durations.Parse(text);
                return null;
            }
            catch (FormatException e)
            {
                return $"{value.Key}: {e.Message}";
            }
        }

        return int.TryParse(text, System.Globalization.CultureInfo.InvariantCulture, out _) ? null : $"{value.Key}: '{text}' is not a whole number";
    }
}
