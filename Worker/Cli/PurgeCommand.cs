using System.CommandLine;
using Microsoft.Extensions.DependencyInjection;
using Sluice.Worker.Broker;
using Sluice.Worker.Operations;

namespace Sluice.Worker.Cli;

/// <summary><c>sluice purge --from parked|failed (filters | --all) [--limit N] [--dry-run]</c>: delete held mail for good.</summary>
internal static class PurgeCommand
{
    public static Command Create(CliContext context)
    {
        var from = HeldOptions.From();
        var filters = new HeldOptions.Filters();
        var all = new Option<bool>("--all") { Description = "Delete every message in the queue (without it, a filter is required)." };
        var limit = new Option<int?>("--limit") { Description = "Delete at most this many." };
        var dryRun = new Option<bool>("--dry-run") { Description = "Count what would be deleted; change nothing." };
        var command = new Command("purge", "Delete held mail that matches, for good (the rest stays, in order). Its producers were told when it was held.")
        {
            from, all, limit, dryRun,
        };
        foreach (var option in filters.All)
        {
            command.Options.Add(option);
        }

        command.Validators.Add(result =>
        {
            if (!result.GetValue(all) && filters.All.All(o => result.GetResult(o) is null))
            {
                result.AddError("purge deletes mail for good: give a filter (--id, --domain, --provider, --reason, --tenant, --since, --before) or --all.");
            }
        });
        command.SetAction((parse, ct) => HostedCommand.RunAsync(context, async (services, token) =>
        {
            var request = new PurgeRequest(parse.GetRequiredValue(from), filters.Read(parse), parse.GetValue(limit), parse.GetValue(dryRun));
            await using var connection = await services.GetRequiredService<BrokerConnector>().ConnectAsync("purge", token).ConfigureAwait(false);
            var summary = await new Purger(connection).PurgeAsync(request, token).ConfigureAwait(false);
            string queue = HoldingAreaNames.Of(request.From);
            await context.Out.WriteLineAsync(request.DryRun
                ? $"Dry run: {summary.Matched} of {summary.Scanned} message(s) in {queue} would be deleted; nothing changed."
                : $"Deleted {summary.Deleted} of {summary.Scanned} message(s) from {queue}; the other {summary.Scanned - summary.Deleted} stay, in order.").ConfigureAwait(false);
            return ExitCodes.Ok;
        }, ct));
        return command;
    }
}
