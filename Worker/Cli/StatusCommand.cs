using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Sluice.Worker.Broker;
using Sluice.Worker.Scheduling;
using Sluice.Worker.Status;
using Sluice.Worker.Topology;

namespace Sluice.Worker.Cli;

/// <summary><c>sluice status [--json] [--all] [--watch [SECONDS]]</c>: what is waiting where, at what rate, and when it will be through.</summary>
internal static class StatusCommand
{
    /// <summary>Owners write a snapshot every 2 s by default; a reader that finds none waits for the next.</summary>
    private static readonly TimeSpan SnapshotWait = TimeSpan.FromSeconds(5);

    public static Command Create(CliContext context)
    {
        var json = new Option<bool>("--json") { Description = "The report as one JSON object, for scripts (with --watch: one per line)." };
        var all = new Option<bool>("--all") { Description = "Also list idle partitions (nothing waiting or delivered lately, no pause, cool-down or ban)." };
        var watch = new Option<int?>("--watch")
        {
            Description = "Print the report again every SECONDS (default 2) until interrupted.",
            Arity = ArgumentArity.ZeroOrOne,
            DefaultValueFactory = _ => null,
            CustomParser = result => result.Tokens.Count == 0 ? 2 : int.TryParse(result.Tokens[0].Value, CultureInfo.InvariantCulture, out int s) && s > 0 ? s : Refuse(result),
        };
        var command = new Command("status", "Per egress and partition: mail waiting and since when, allowed and delivered rate, last reply, pauses, back-offs, drain ETA.")
        {
            json, all, watch,
        };
        command.SetAction((parse, ct) => HostedCommand.RunAsync(context, async (services, token) =>
        {
            await using var connection = await services.GetRequiredService<BrokerConnector>().ConnectAsync("status", token).ConfigureAwait(false);
            // An owner writes every Scheduler:StatusInterval; a snapshot three intervals old (at least 1 s) is a dead owner's.
            var interval = services.GetRequiredService<IConfiguration>().GetValue<TimeSpan?>($"{SchedulerOptions.SectionName}:{nameof(SchedulerOptions.StatusInterval)}")
                ?? new SchedulerOptions().StatusInterval;
            var staleAfter = interval * 3 > TimeSpan.FromSeconds(1) ? interval * 3 : TimeSpan.FromSeconds(1);
            var topology = services.GetRequiredService<IOptions<TopologyOptions>>().Value;
            int? every = parse.GetValue(watch);
            do
            {
                var report = await StatusReader.ReadAsync(connection, topology, SnapshotWait, TimeProvider.System, token, staleAfter).ConfigureAwait(false);
                if (every is not null && !parse.GetValue(json) && ReferenceEquals(context.Out, Console.Out) && !Console.IsOutputRedirected)
                {
                    // Watching on a terminal: each report replaces the last (cursor home, clear screen) instead of scrolling.
                    await context.Out.WriteAsync("\u001b[H\u001b[2J").ConfigureAwait(false);
                }

                await context.Out.WriteLineAsync(parse.GetValue(json)
                    ? JsonSerializer.Serialize(report, StatusJsonContext.Default.StatusReport)
                    : Render(report, parse.GetValue(all))).ConfigureAwait(false);
                if (every is int seconds)
                {
                    try
                    {
                        await Task.Delay(TimeSpan.FromSeconds(seconds), token).ConfigureAwait(false);
                    }
                    catch (OperationCanceledException)
                    {
                        break; // Ctrl-C ends watching: that is how it is meant to stop.
                    }
                }
            }
            while (every is not null && !token.IsCancellationRequested);

            return ExitCodes.Ok;
        }, ct));
        return command;
    }

    private static int? Refuse(System.CommandLine.Parsing.ArgumentResult result)
    {
        result.AddError("--watch takes a whole number of seconds above 0.");
        return null;
    }

    private static string Render(StatusReport report, bool all)
    {
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"intake {report.Intake} · parked {report.Parked} · failed {report.Failed}");
        foreach (var egress in report.Egresses)
        {
            text.AppendLine();
            string owner = egress.Owner is { } o
                ? $"owner {o.Owner} (takeover: {o.Takeover ?? "unknown"}), snapshot {(report.At - o.At).TotalSeconds:0} s old"
                : egress.LastSeen is { } seen ? $"no worker owns it (the last owner's last snapshot is {(report.At - seen).TotalSeconds:0} s old: it stopped or died)"
                : "no worker owns it";
            string smarthost = egress.Owner?.SmarthostClosedUntil is { } until
                ? $"smarthost failing ({egress.Owner.SmarthostFault ?? "unreachable"}), retrying at {until:HH:mm:ss}"
                : egress.Owner?.SmarthostFault is { } fault ? $"smarthost failing ({fault})" : "smarthost ok";
            string state = egress.Owner?.SuspendedUntil is { } banned ? $"SUSPENDED by a ban until {banned:HH:mm:ss}"
                : egress.Paused ? "PAUSED"
                : egress.Owner?.WarmUp < 1 ? $"warming up ({egress.Owner.WarmUp:P0} of limits)" : "running";
            text.AppendLine(CultureInfo.InvariantCulture, $"egress {egress.Egress}: {owner}; {state}; {smarthost}");
            text.AppendLine(CultureInfo.InvariantCulture, $"  fresh {egress.Fresh} · due {egress.Due} · delayed {egress.Delayed} · drain ETA {Eta(egress.DrainEta)}");
            var rows = egress.Owner?.Domains.Where(d => all || !d.Idle).ToList() ?? [];
            int idle = (egress.Owner?.Domains.Count ?? 0) - rows.Count;
            if (rows.Count > 0)
            {
                text.AppendLine(Indent(Table.Format(
                    ["PARTITION", "WAITING", "OLDEST", "ALLOWED", "SENT/MIN", "PAUSED", "COOLING UNTIL", "ETA", "LAST REPLY"],
                    rows.Select(d => new[]
                    {
                        d.Domain,
                        d.Waiting.ToString(CultureInfo.InvariantCulture),
                        Eta(d.OldestWaiting),
                        d.PermitLimit is int limit
                            ? $"{limit}/{d.WindowSeconds:0.###}s" + (d.Ceiling is int ceiling && ceiling > limit ? $" (of {ceiling})" : string.Empty)
                            : "unlimited",
                        d.DeliveredLastMinute.ToString(CultureInfo.InvariantCulture),
                        d.Paused ? "yes" : "no",
                        d.SuspendedUntil is { } banned ? "BANNED " + banned.ToString("HH:mm:ss", CultureInfo.InvariantCulture)
                            : d.CoolingUntil?.ToString("HH:mm:ss", CultureInfo.InvariantCulture) ?? "-",
                        Eta(d.DrainEta),
                        d.LastReply is { } reply ? Shorten(reply, 48) : "-",
                    }))));
            }

            if (idle > 0)
            {
                text.AppendLine(CultureInfo.InvariantCulture, $"  ({idle} idle partition{(idle == 1 ? string.Empty : "s")} not shown; --all lists them)");
            }
        }

        var senders = report.Egresses.SelectMany(e => e.Owner?.Senders ?? []).DistinctBy(s => s.Domain, StringComparer.Ordinal).ToList();
        if (senders.Count > 0)
        {
            text.AppendLine();
            text.Append("senders: ").AppendJoin(", ", senders.Select(s => s.Ok ? $"{s.Domain} ok" : $"{s.Domain} FAILS ({s.Failing}){(s.Held ? ", its mail is HELD" : string.Empty)}"));
            text.AppendLine();
        }

        text.AppendLine();
        text.Append(report.Paused switch
        {
            null => "paused: unknown (no worker is running to read the control stream)",
            [] => "paused: nothing",
            var paused => "paused: " + string.Join(", ", paused.Select(p =>
                $"{p.Target} (by {p.By} at {p.At:u}{(p.Until is { } end ? $", until {end:u}" : string.Empty)}{(p.Reason is { } why ? $": {why}" : string.Empty)})")),
        });
        return text.ToString();
    }

    private static string Eta(TimeSpan? eta) => eta switch
    {
        null => "-",
        { TotalHours: >= 1 } e => $"{(int)e.TotalHours}h{e.Minutes:00}m",
        { TotalMinutes: >= 1 } e => $"{(int)e.TotalMinutes}m{e.Seconds:00}s",
        { } e => $"{e.TotalSeconds:0}s",
    };

    private static string Shorten(string text, int length) => text.Length <= length ? text : text[..(length - 1)] + "…";

    private static string Indent(string block) => string.Join('\n', block.Split('\n').Select(l => "  " + l));
}
