using System.CommandLine;
using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Sluice.Worker.Broker;
using Sluice.Worker.Operations;

namespace Sluice.Worker.Cli;

/// <summary><c>sluice redrive --from parked|failed [filters]</c>: put held mail back into intake.</summary>
internal static class RedriveCommand
{
    public static Command Create(CliContext context)
    {
        var from = HeldOptions.From();
        var filters = new HeldOptions.Filters();
        var limit = new Option<int?>("--limit") { Description = "Move at most this many." };
        var rate = new Option<int?>("--rate") { Description = "Move at most this many per second, so a re-drive is not a new stampede." };
        var dryRun = new Option<bool>("--dry-run") { Description = "Count what would move; change nothing." };
        var notAfter = new Option<DateTimeOffset?>("--not-after")
        {
            Description = "Give the moved messages a new notAfter: an age from now (2h, 1d) or a time (ISO 8601). For mail held because it passed its own.",
            CustomParser = result => MomentArgument.Parse(result, ahead: true),
        };
        var egress = new Option<string?>("--egress") { Description = "Send the moved messages by this egress instead (a name in Topology:Egresses)." };
        var command = new Command("redrive", "Move held mail that matches back into intake (publish with confirm, then ack; the rest stays, in order).")
        {
            from, limit, rate, dryRun, notAfter, egress,
        };
        foreach (var option in filters.All)
        {
            command.Options.Add(option);
        }

        command.SetAction((parse, ct) => HostedCommand.RunAsync(context, async (services, token) =>
        {
            var egresses = services.GetRequiredService<IOptions<Topology.TopologyOptions>>().Value.EffectiveEgresses;
            if (parse.GetValue(egress) is { } chosen && !egresses.Contains(chosen, StringComparer.Ordinal))
            {
                await context.Error.WriteLineAsync($"sluice: --egress '{chosen}' is no such egress (Topology:Egresses is {string.Join(", ", egresses)}).").ConfigureAwait(false);
                return ExitCodes.InvalidInput;
            }

            var request = new RedriveRequest(
                parse.GetRequiredValue(from),
                filters.Read(parse),
                parse.GetValue(limit),
                parse.GetValue(rate),
                parse.GetValue(dryRun),
                parse.GetValue(notAfter),
                parse.GetValue(egress));
            await using var connection = await services.GetRequiredService<BrokerConnector>().ConnectAsync("redrive", token).ConfigureAwait(false);
            var redriver = new Redriver(connection, services.GetRequiredService<IOptions<BrokerOptions>>().Value.PublishTimeout);
            var summary = await redriver.RedriveAsync(request, p => context.Error.Write(
                string.Create(CultureInfo.InvariantCulture, $"\rscanned {p.Scanned}, matched {p.Matched}, moved {p.Moved}")), token).ConfigureAwait(false);
            await context.Error.WriteLineAsync().ConfigureAwait(false);
            string queue = HoldingAreaNames.Of(request.From);
            await context.Out.WriteLineAsync(request.DryRun
                ? $"Dry run: {summary.Matched} of {summary.Scanned} message(s) in {queue} would move to mail.intake; nothing changed."
                : $"Moved {summary.Moved} of {summary.Scanned} message(s) from {queue} to mail.intake; the other {summary.Scanned - summary.Moved} stay in {queue}, in order.").ConfigureAwait(false);
            return ExitCodes.Ok;
        }, ct));
        return command;
    }
}
