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

/// <summary><c>sluice status [--json]</c>: what is waiting where, at what rate, and when it will be through.</summary>
internal static class StatusCommand
{
    /// <summary>Owners write a snapshot every 2 s by default; a reader that finds none waits for the next.</summary>
    private static readonly TimeSpan SnapshotWait = TimeSpan.FromSeconds(5);

    public static Command Create(CliContext context)
    {
        var json = new Option<bool>("--json") { Description = "The report as one JSON object, for scripts." };
        var command = new Command("status", "Per egress and domain: mail waiting, allowed rate, pauses and back-offs, drain ETA.") { json };
        command.SetAction((parse, ct) => HostedCommand.RunAsync(context, async (services, token) =>
        {
            await using var connection = await services.GetRequiredService<BrokerConnector>().ConnectAsync("status", token).ConfigureAwait(false);
            // An owner writes every Scheduler:StatusInterval; a snapshot three intervals old (at least 1 s) is a dead owner's.
            var interval = services.GetRequiredService<IConfiguration>().GetValue<TimeSpan?>($"{SchedulerOptions.SectionName}:{nameof(SchedulerOptions.StatusInterval)}")
                ?? new SchedulerOptions().StatusInterval;
            var staleAfter = interval * 3 > TimeSpan.FromSeconds(1) ? interval * 3 : TimeSpan.FromSeconds(1);
            var report = await StatusReader.ReadAsync(connection, services.GetRequiredService<IOptions<TopologyOptions>>().Value, SnapshotWait, TimeProvider.System, token, staleAfter).ConfigureAwait(false);
            await context.Out.WriteLineAsync(parse.GetValue(json)
                ? JsonSerializer.Serialize(report, StatusJsonContext.Default.StatusReport)
                : Render(report)).ConfigureAwait(false);
            return ExitCodes.Ok;
        }, ct));
        return command;
    }

    private static string Render(StatusReport report)
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
            if (egress.Owner is { Domains.Count: > 0 } snapshot)
            {
                text.AppendLine(Indent(Table.Format(
                    ["PARTITION", "WAITING", "ALLOWED", "PAUSED", "COOLING UNTIL", "ETA"],
                    snapshot.Domains.Select(d => new[]
                    {
                        d.Domain,
                        d.Waiting.ToString(CultureInfo.InvariantCulture),
                        d.PermitLimit is int limit
                            ? $"{limit}/{d.WindowSeconds:0.###}s" + (d.Ceiling is int ceiling && ceiling > limit ? $" (of {ceiling})" : string.Empty)
                            : "unlimited",
                        d.Paused ? "yes" : "no",
                        d.SuspendedUntil is { } banned ? "BANNED " + banned.ToString("HH:mm:ss", CultureInfo.InvariantCulture)
                            : d.CoolingUntil?.ToString("HH:mm:ss", CultureInfo.InvariantCulture) ?? "-",
                        Eta(d.DrainEta),
                    }))));
            }
        }

        text.AppendLine();
        text.Append(report.Paused.Count == 0
            ? "paused: nothing"
            : "paused: " + string.Join(", ", report.Paused.Select(p => $"{p.Target} (by {p.By} at {p.At:u})")));
        return text.ToString();
    }

    private static string Eta(TimeSpan? eta) => eta switch
    {
        null => "-",
        { TotalHours: >= 1 } e => $"{(int)e.TotalHours}h{e.Minutes:00}m",
        { TotalMinutes: >= 1 } e => $"{(int)e.TotalMinutes}m{e.Seconds:00}s",
        { } e => $"{e.TotalSeconds:0}s",
    };

    private static string Indent(string block) => string.Join('\n', block.Split('\n').Select(l => "  " + l));
}
