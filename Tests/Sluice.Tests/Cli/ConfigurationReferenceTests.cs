using System.Collections;
using System.Reflection;
using Sluice.Tests.Infrastructure;
using Sluice.Worker.Scheduling;

namespace Sluice.Tests.Cli;

/// <summary>docs/configuration.md promises every configuration key: every settable option the worker binds is in its table.</summary>
public sealed class ConfigurationReferenceTests
{
    [Fact]
    public void Every_option_the_worker_binds_is_in_the_configuration_reference()
    {
        string reference = RepositoryFiles.ReadAllText("docs/configuration.md");
        var sections = typeof(LimitOptions).Assembly.GetTypes()
            .Select(t => (Type: t, Section: t.GetField("SectionName", BindingFlags.Public | BindingFlags.Static)?.GetValue(null) as string))
            .Where(s => s.Section is not null && s.Type.IsClass && !s.Type.IsAbstract && s.Type.GetConstructor(Type.EmptyTypes) is not null)
            .ToList();
        Assert.NotEmpty(sections);

        var missing = sections
            .SelectMany(s => Keys(s.Type, s.Section!, depth: 0))
            .Where(key => !Documented(reference, key))
            .ToList();

        Assert.True(missing.Count == 0, "not in docs/configuration.md: " + string.Join(", ", missing));
    }

    /// <summary>
    /// The key has a row: spelled out (<c>`Smtp:Host`</c>, or a deeper <c>`Smtp:Host:…`</c>), or as a sibling in a row that
    /// names several (<c>`Dkim:Relay:Domain` / `:Selector`</c>).
    /// </summary>
    private static bool Documented(string reference, string key)
    {
        if (reference.Contains($"`{key}`", StringComparison.Ordinal) || reference.Contains($"`{key}:", StringComparison.Ordinal))
        {
            return true;
        }

        int last = key.LastIndexOf(':');
        string parent = key[..(last + 1)], name = key[(last + 1)..];
        return reference.Split('\n').Any(row => row.Contains($"`{parent}", StringComparison.Ordinal) && row.Contains($"`:{name}`", StringComparison.Ordinal));
    }

    /// <summary>The keys of an options class: its settable properties, nested option classes spelled out (collections by their own name).</summary>
    private static IEnumerable<string> Keys(Type type, string prefix, int depth)
    {
        foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.GetIndexParameters().Length == 0))
        {
            string key = $"{prefix}:{property.Name}";
            var propertyType = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
            bool nested = propertyType.IsClass && propertyType != typeof(string) && !typeof(IEnumerable).IsAssignableFrom(propertyType)
                && propertyType.Namespace?.StartsWith("Sluice", StringComparison.Ordinal) == true;
            if (nested && depth < 3)
            {
                foreach (string inner in Keys(propertyType, key, depth + 1))
                {
                    yield return inner;
                }
            }
            else if (property.SetMethod is { IsPublic: true })
            {
                yield return key;
            }
        }
    }
}
