using System.CommandLine;

namespace Sluice.Worker.Cli;

/// <summary>The <c>sluice</c> command tree.</summary>
public static class SluiceCommandLine
{
    public static RootCommand Build(CliContext context)
    {
        var root = new RootCommand("Sluice drains outbound mail queues at the pace receivers accept.");
        root.Subcommands.Add(RunCommand.Create(context));
        root.Subcommands.Add(TopologyCommand.Create(context));
        root.Subcommands.Add(PublishCommand.Create(context));
        root.Subcommands.Add(StatusCommand.Create(context));
        root.Subcommands.Add(PauseCommand.Create(context, pause: true));
        root.Subcommands.Add(PauseCommand.Create(context, pause: false));
        root.Subcommands.Add(InspectCommand.Create(context));
        root.Subcommands.Add(RedriveCommand.Create(context));
        root.Subcommands.Add(FindCommand.Create(context));
        root.SetAction((_, ct) => RunCommand.RunAsync(context, ct));
        return root;
    }
}
