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
        root.Subcommands.Add(PauseCommand.CreateRetryNow(context));
        root.Subcommands.Add(InspectCommand.Create(context));
        root.Subcommands.Add(RedriveCommand.Create(context));
        root.Subcommands.Add(PurgeCommand.Create(context));
        root.Subcommands.Add(ShowCommand.Create(context));
        root.Subcommands.Add(FindCommand.Create(context));
        root.Subcommands.Add(CheckSenderCommand.Create(context));
        root.SetAction((_, ct) => RunCommand.RunAsync(context, ct));
        return root;
    }

    /// <summary>
    /// Parses and runs <paramref name="args"/>. A usage error is one line on stderr and exit code
    /// <see cref="ExitCodes.InvalidInput"/> (not the library's help text and exit 1, which means "broker unreachable").
    /// </summary>
    public static async Task<int> InvokeAsync(CliContext context, string[] args, InvocationConfiguration? configuration = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(context);
        var parse = Build(context).Parse(args);
        if (parse.Errors.Count > 0)
        {
            await context.Error.WriteLineAsync($"sluice: {parse.Errors[0].Message} ({string.Join(' ', CommandPath(parse.CommandResult))} --help shows the usage)").ConfigureAwait(false);
            return ExitCodes.InvalidInput;
        }

        return await parse.InvokeAsync(configuration, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>"sluice", then the names of the (sub)commands given, e.g. <c>sluice topology export</c>.</summary>
    private static IEnumerable<string> CommandPath(System.CommandLine.Parsing.CommandResult command)
    {
        var names = new Stack<string>();
        for (var result = command; result.Command is not RootCommand && result.Parent is System.CommandLine.Parsing.CommandResult parent; result = parent)
        {
            names.Push(result.Command.Name);
        }

        return names.Prepend("sluice");
    }
}
