using System.Text.RegularExpressions;

namespace Sluice.Tests.Infrastructure;

/// <summary>Finds files of the repository (the folder holding Worker.sln) from the test binaries.</summary>
public static partial class RepositoryFiles
{
    public static string Root { get; } = FindRoot();

    public static string PathOf(string relativePath) => Path.Combine(Root, relativePath);

    public static string ReadAllText(string relativePath) => File.ReadAllText(PathOf(relativePath));

    /// <summary>The producer contract's <c>```python</c> blocks (docs/contract.md), in order: examples the tests run as written.</summary>
    public static IReadOnlyList<string> ContractPythonBlocks() =>
        [.. PythonBlock().Matches(ReadAllText("docs/contract.md")).Select(m => m.Groups["code"].Value)];

    [GeneratedRegex(@"```python\n(?<code>.*?)```", RegexOptions.Singleline)]
    private static partial Regex PythonBlock();

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Worker.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Worker.sln not found above " + AppContext.BaseDirectory);
    }
}
