using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;
using Sluice.Worker.Scheduling;

namespace Sluice.Worker.Pipeline;

/// <summary>
/// Validates the entries of <see cref="LimitOptions"/>' dictionaries (<c>Limits:Domains:*</c>,
/// <c>Limits:Providers:*</c>, <c>Limits:Tenants:*</c>), which the source-generated validator does not
/// descend into: a <c>PermitLimit</c> of 0 or a zero window is refused at start, naming the key.
/// </summary>
internal sealed class LimitEntriesValidator : IValidateOptions<LimitOptions>
{
    public ValidateOptionsResult Validate(string? name, LimitOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        Check("Domains", options.Domains, failures);
        Check("Providers", options.Providers, failures);
        Check("Tenants", options.Tenants, failures);
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static void Check<T>(string section, Dictionary<string, T> entries, List<string> failures)
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
    }
}
