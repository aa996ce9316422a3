using System.CommandLine;

namespace Sluice.Worker.Cli;

/// <summary>The <c>sluice</c> command tree.</summary>
public static class SluiceCommandLine
{
    public static RootCommand Build(CliContext context)
    {
        var root = new RootCommand("Sluice drains outbound mail queues at the pace receivers accept.");
        root.Subcommands.Add(TopologyCommand.Create(context));
        root.Subcommands.Add(PublishCommand.Create(context));
        return root;
    }
}
