using Sluice.Tests.Infrastructure;

namespace Sluice.Tests.Telemetry;

/// <summary>
/// deploy/k8s/base validated offline by deploy/k8s/tools/validate.mjs: kubernetes-models schemas (core,
/// KEDA, Prometheus Operator), TypeScript's excess-property check for unknown keys, a complete
/// kustomization, current generated manifests, and the Grafana dashboards typed as Grafana's own published types
/// (@grafana/schema). Node.js runs it; .ci/run installs its packages (npm ci).
/// </summary>
public sealed class KubernetesManifestTests
{
    private static string Tools => RepositoryFiles.PathOf("deploy/k8s/tools");

    [Fact]
    public async Task The_kustomize_base_is_valid_with_no_unknown_keys()
    {
        var result = await ValidateAsync(RepositoryFiles.PathOf("deploy/k8s/base"));
        Assert.True(result.ExitCode == 0, result.AllOutput);
        Assert.Contains("no unknown keys", result.AllOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_validator_names_an_unknown_key_and_a_wrongly_typed_value()
    {
        var result = await ValidateDoctoredCopyAsync(copy =>
        {
            string deployment = Path.Combine(copy, "deployment.yaml");
            File.WriteAllText(deployment, File.ReadAllText(deployment).Replace("  revisionHistoryLimit: 5", "  revisionHistoryLimit: 5\n  replicaz: 3", StringComparison.Ordinal));
            string pdb = Path.Combine(copy, "poddisruptionbudget.yaml");
            File.WriteAllText(pdb, File.ReadAllText(pdb).Replace("minAvailable: 1", "minAvailable: [1]", StringComparison.Ordinal));
        });

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("\"replicaz\"' does not exist", result.AllOutput, StringComparison.Ordinal);
        Assert.Contains("poddisruptionbudget.yaml PodDisruptionBudget/sluice: schema", result.AllOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_validator_holds_the_dashboards_to_Grafanas_types()
    {
        var result = await ValidateDoctoredCopyAsync(copy =>
        {
            // A misspelt panel option and a value outside one of Grafana's enumerations.
            string dashboards = Path.Combine(copy, "grafana-dashboards.yaml");
            string text = File.ReadAllText(dashboards);
            int legend = text.IndexOf("\"displayMode\": \"table\"", StringComparison.Ordinal);
            int thresholds = text.IndexOf("\"mode\": \"absolute\"", StringComparison.Ordinal);
            Assert.True(legend > 0 && thresholds > 0, "the dashboards no longer have a table legend and absolute thresholds to doctor");
            text = text.Remove(legend, "\"displayMode\"".Length).Insert(legend, "\"displayMod\"");
            text = text.Remove(thresholds, "\"mode\": \"absolute\"".Length).Insert(thresholds, "\"mode\": \"absolut\"");
            File.WriteAllText(dashboards, text);
        });

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("options: Object literal may only specify known properties, and '\"displayMod\"' does not exist", result.AllOutput, StringComparison.Ordinal);
        Assert.Contains("Type '\"absolut\"' is not assignable to type '\"absolute\" | \"percentage\"'", result.AllOutput, StringComparison.Ordinal);
    }

    /// <summary>Validates a copy of the base after <paramref name="doctor"/> has changed it (the copy is deleted after).</summary>
    private static async Task<CommandRun> ValidateDoctoredCopyAsync(Action<string> doctor)
    {
        string copy = Directory.CreateTempSubdirectory("sluice-k8s-base-").FullName;
        try
        {
            foreach (string file in Directory.GetFiles(RepositoryFiles.PathOf("deploy/k8s/base")))
            {
                File.Copy(file, Path.Combine(copy, Path.GetFileName(file)));
            }

            doctor(copy);
            return await ValidateAsync(copy);
        }
        finally
        {
            Directory.Delete(copy, recursive: true);
        }
    }

    private static Task<CommandRun> ValidateAsync(string baseDirectory)
    {
        Assert.True(Directory.Exists(Path.Combine(Tools, "node_modules")), "run `npm ci --prefix deploy/k8s/tools` first (.ci/run does)");
        return ExternalCommand.RunAsync("node", ["validate.mjs", baseDirectory], workingDirectory: Tools);
    }
}
