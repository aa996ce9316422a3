using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Sluice.Worker.Broker;
using Sluice.Worker.Delivery;
using Sluice.Worker.Journal;
using Sluice.Worker.Operations;
using Sluice.Worker.Settlement;
using Sluice.Worker.Topology;

namespace Sluice.Worker.Cli;

/// <summary>
/// <c>sluice find ID</c>: what became of one message: each recipient it was delivered to (from the
/// egresses' delivery journals) and each copy held in <c>mail.failed</c> or <c>mail.parked</c>, with the reason.
/// </summary>
internal static class FindCommand
{
    public static Command Create(CliContext context)
    {
        var id = new Argument<string>("id") { Description = "The message id (the contract's id, the AMQP message_id)." };
        var json = new Option<bool>("--json") { Description = "One JSON object per line, for scripts." };
        var command = new Command("find", "What became of one message: deliveries from the delivery journal, copies held in mail.failed and mail.parked.") { id, json };
        command.SetAction((parse, ct) => HostedCommand.RunAsync(context, async (services, token) =>
        {
            string wanted = parse.GetRequiredValue(id);
            var topology = services.GetRequiredService<IOptions<TopologyOptions>>().Value;
            var broker = services.GetRequiredService<IOptions<BrokerOptions>>().Value;
            await using var connection = await services.GetRequiredService<BrokerConnector>().ConnectAsync("find", token).ConfigureAwait(false);
            var findings = new List<Finding>();

            await using (var publisher = await HopPublisher.CreateAsync(connection, broker.PublishTimeout, token).ConfigureAwait(false))
            {
                var since = DateTimeOffset.UtcNow - topology.JournalMaxAge;
                foreach (string egress in topology.EffectiveEgresses)
                {
                    await DeliveryJournal.ReadAsync(connection, publisher, egress, since, record =>
                    {
                        if (record.Id == wanted)
                        {
                            findings.AddRange(record.Delivered.Select(r => new Finding(
                                "delivered", r, DateTimeOffset.FromUnixTimeMilliseconds(record.At), egress, null, $"attempt {record.Attempt}")));
                        }
                    }, TimeSpan.FromMinutes(2), token).ConfigureAwait(false);
                }
            }

            foreach (var area in new[] { HoldingArea.Failed, HoldingArea.Parked })
            {
                await using var channel = await connection.CreateChannelAsync(cancellationToken: token).ConfigureAwait(false);
                await HoldingQueueReader.WalkAsync(channel, HoldingAreaNames.Of(area), held =>
                {
                    if (held.Id == wanted)
                    {
                        string recipients = MailHeaders.GetString(held.Properties.Headers, MailHeaders.Recipients) ?? held.Domain;
                        findings.Add(new Finding(area == HoldingArea.Failed ? "failed" : "parked", recipients, held.SettledAt,
                            MailHeaders.GetString(held.Properties.Headers, MailHeaders.Egress), held.Reason, held.Detail));
                    }

                    return Task.FromResult(false);
                }, token).ConfigureAwait(false);
            }

            await WriteAsync(context, wanted, findings, parse.GetValue(json), topology.JournalMaxAge).ConfigureAwait(false);
            return findings.Count > 0 ? ExitCodes.Ok : ExitCodes.NotFound;
        }, ct));
        return command;
    }

    private static async Task WriteAsync(CliContext context, string id, List<Finding> findings, bool json, TimeSpan journalAge)
    {
        if (json)
        {
            foreach (var f in findings)
            {
                await context.Out.WriteLineAsync(JsonSerializer.Serialize(new Dictionary<string, object?>
                {
                    ["id"] = id, ["state"] = f.State, ["recipients"] = f.Recipients, ["at"] = f.At, ["egress"] = f.Egress, ["reason"] = f.Reason, ["detail"] = f.Detail,
                })).ConfigureAwait(false);
            }

            return;
        }

        if (findings.Count == 0)
        {
            await context.Out.WriteLineAsync(
                $"Nothing known about {id}: no delivery in the journal (kept {journalAge.TotalDays:0.#} days) and no copy in mail.failed or mail.parked. It may still be queued.").ConfigureAwait(false);
            return;
        }

        await context.Out.WriteLineAsync(Table.Format(
            ["STATE", "RECIPIENTS", "AT", "EGRESS", "REASON", "DETAIL"],
            findings.OrderBy(f => f.At).Select(f => new[]
            {
                f.State, f.Recipients, f.At?.ToString("u", CultureInfo.InvariantCulture) ?? "-", f.Egress ?? "-", f.Reason ?? "-",
                f.Detail is { Length: > 70 } d ? d[..69] + "…" : f.Detail ?? string.Empty,
            }))).ConfigureAwait(false);
    }

    /// <summary>One thing known about the message.</summary>
    private sealed record Finding(string State, string Recipients, DateTimeOffset? At, string? Egress, string? Reason, string? Detail);
}
