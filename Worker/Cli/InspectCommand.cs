using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Sluice.Worker.Broker;
using Sluice.Worker.Operations;

namespace Sluice.Worker.Cli;

/// <summary><c>sluice inspect --from parked|failed [filters]</c> (those of <see cref="HeldOptions.Filters"/>): list held mail without taking it.</summary>
internal static class InspectCommand
{
    public static Command Create(CliContext context)
    {
        var from = HeldOptions.From();
        var limit = new Option<int>("--limit") { Description = "List at most this many that match (from the front).", DefaultValueFactory = _ => 20 };
        var json = new Option<bool>("--json") { Description = "One JSON object per line, for scripts." };
        var filters = new HeldOptions.Filters();
        var command = new Command("inspect", "List held mail (id, tenant, domain, reason, reply, attempts) without consuming it; the filters are those of redrive.")
        {
            from, limit, json,
        };
        foreach (var option in filters.All)
        {
            command.Options.Add(option);
        }

        command.SetAction((parse, ct) => HostedCommand.RunAsync(context, async (services, token) =>
        {
            var area = parse.GetRequiredValue(from);
            int max = parse.GetValue(limit);
            var filter = filters.Read(parse);
            var listed = new List<HeldMessage>();
            await using var connection = await services.GetRequiredService<BrokerConnector>().ConnectAsync("inspect", token).ConfigureAwait(false);
            await using (var channel = await connection.CreateChannelAsync(cancellationToken: token).ConfigureAwait(false))
            {
                // The whole queue is walked even for a few lines: that is what leaves it in its order.
                await HoldingQueueReader.WalkAsync(channel, HoldingAreaNames.Of(area), m =>
                {
                    if (listed.Count < max && filter.Matches(m))
                    {
                        listed.Add(m);
                    }

                    return Task.FromResult(false);
                }, token).ConfigureAwait(false);
            }

            if (parse.GetValue(json))
            {
                foreach (var m in listed)
                {
                    await context.Out.WriteLineAsync(JsonSerializer.Serialize(new Dictionary<string, object?>
                    {
                        ["id"] = m.Id, ["tenant"] = m.Tenant, ["domain"] = m.Domain, ["reason"] = m.Reason, ["detail"] = m.Detail,
                        ["attempts"] = m.Attempts, ["redrives"] = m.Redrives, ["heldAt"] = m.SettledAt,
                    })).ConfigureAwait(false);
                }
            }
            else
            {
                await context.Out.WriteLineAsync(Table.Format(
                    ["ID", "TENANT", "DOMAIN", "REASON", "ATTEMPTS", "REDRIVES", "HELD AT", "DETAIL"],
                    listed.Select(m => new[]
                    {
                        m.Id, m.Tenant, m.Domain, m.Reason, m.Attempts.ToString(CultureInfo.InvariantCulture),
                        m.Redrives.ToString(CultureInfo.InvariantCulture), m.SettledAt?.ToString("u", CultureInfo.InvariantCulture) ?? "-",
                        m.Detail.Length > 70 ? m.Detail[..69] + "…" : m.Detail,
                    }))).ConfigureAwait(false);
            }

            return ExitCodes.Ok;
        }, ct));
        return command;
    }
}
