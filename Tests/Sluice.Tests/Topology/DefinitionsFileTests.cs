using Sluice.Tests.Infrastructure;

namespace Sluice.Tests.Topology;

public sealed class DefinitionsFileTests
{
    private const string DefinitionsPath = "deploy/rabbitmq/definitions.json";

    [Fact]
    public async Task Checked_in_definitions_equal_the_export_of_the_shipped_configuration()
    {
        var run = await SluiceCli.RunAsync([], "topology", "export");
        Assert.Equal(0, run.ExitCode);
        Assert.Equal(RepositoryFiles.ReadAllText(DefinitionsPath), run.Output);
    }
}
