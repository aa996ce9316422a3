using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Sluice.Worker.Broker;
using Sluice.Contracts.Validation;
using Sluice.Worker.Delivery;
using Sluice.Worker.Hosting;
using Sluice.Worker.Journal;
using Sluice.Worker.Operations;
using Sluice.Worker.Settlement;
using Sluice.Worker.Topology;

namespace Sluice.Worker.Cli;

/// <summary>
/// <c>sluice find [ID] [--tenant T] [--since AGE]</c>: what became of one message, or of a tenant's mail:
/// each recipient delivered to and each send whose outcome is unknown (from the egresses' delivery
/// journals), and each copy held in <c>mail.failed</c> or <c>mail.parked</c>, with the reason.
/// </summary>
internal static class FindCommand
{
    public static Command Create(CliContext context)
    {
        var id = new Argument<string?>("id") { Description = "The message id (the contract's id, the AMQP message_id).", Arity = ArgumentArity.ZeroOrOne };
        var tenant = new Option<string?>("--tenant") { Description = "Only this client tenant's mail (with no id: all of it)." };
        var since = new Option<DateTimeOffset?>("--since")
        {
            Description = "Only what happened since: an age (30m, 2h, 1d) or a time (ISO 8601).",
            CustomParser = result => MomentArgument.Parse(result, ahead: false),
        };
        var json = new Option<bool>("--json") { Description = "One JSON object per line, for scripts." };
        var command = new Command("find", "What became of a message (or of a tenant's mail): deliveries and other outcomes from the delivery journal, copies held in mail.failed and mail.parked.")
        {
            id, tenant, since, json,
        };
        command.Validators.Add(result =>
        {
            if (string.IsNullOrEmpty(result.GetValue(id)) && string.IsNullOrEmpty(result.GetValue(tenant)))
            {
                result.AddError("find needs a message id, --tenant, or both.");
            }
        });
        command.SetAction((parse, ct) => HostedCommand.RunAsync(context, async (services, token) =>
        {
            var topology = services.GetRequiredService<IOptions<TopologyOptions>>().Value;
            var wanted = new Wanted(parse.GetValue(id), parse.GetValue(tenant), parse.GetValue(since) ?? DateTimeOffset.UtcNow - topology.JournalMaxAge);
            var broker = services.GetRequiredService<IOptions<BrokerOptions>>().Value;
            await using var connection = await services.GetRequiredService<BrokerConnector>().ConnectAsync("find", token).ConfigureAwait(false);
            var findings = new List<Finding>();

            await using (var publisher = await HopPublisher.CreateAsync(connection, broker.PublishTimeout, token).ConfigureAwait(false))
            {
                foreach (string egress in topology.EffectiveEgresses)
                {
                    await DeliveryJournal.ReadAsync(connection, publisher, egress, wanted.Since, record =>
                    {
                        if (record.Kind == JournalRecord.SettledKind && wanted.Matches(record.Id, record.Tenant, record.Time))
                        {
                            findings.AddRange(FromJournal(record, egress));
                        }
                    }, TimeSpan.FromMinutes(2), token).ConfigureAwait(false);
                }
            }

            foreach (var area in new[] { HoldingArea.Failed, HoldingArea.Parked })
            {
                await using var channel = await connection.CreateChannelAsync(cancellationToken: token).ConfigureAwait(false);
                await HoldingQueueReader.WalkAsync(channel, HoldingAreaNames.Of(area), held =>
                {
                    if (wanted.Matches(held.Id, held.Tenant, held.SettledAt))
                    {
                        string recipients = MailHeaders.GetString(held.Properties.Headers, MailHeaders.Recipients) ?? held.Domain;
                        findings.Add(new Finding(held.Id, area == HoldingArea.Failed ? "failed" : "parked", recipients, held.SettledAt,
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

    /// <summary>What a settled transaction says: the recipients delivered, or that the send's outcome is unknown.</summary>
    private static IEnumerable<Finding> FromJournal(JournalRecord record, string egress)
    {
        string attempt = $"attempt {record.Attempt}";
        if (record.Delivered is { Count: > 0 } delivered)
        {
            return delivered.Select(r => new Finding(record.Id ?? "?", "delivered", r, record.Time, egress, null, attempt));
        }

        return record.Outcome == "uncertain"
            ? [new Finding(record.Id ?? "?", "uncertain", $"{record.Permits} recipients", record.Time, egress, "uncertain-delivery", $"{attempt}: the connection failed after the data was sent")]
            : [];
    }

    /// <summary>What the operator asked about.</summary>
    private sealed record Wanted(string? Id, string? Tenant, DateTimeOffset Since)
    {
        public bool Matches(string? id, string? tenant, DateTimeOffset? at) =>
            (string.IsNullOrEmpty(Id) || id == Id) && (string.IsNullOrEmpty(Tenant) || tenant == Tenant) && (at is null || at >= Since);
    }

    private static async Task WriteAsync(CliContext context, Wanted wanted, List<Finding> findings, bool json, TimeSpan journalAge)
    {
        if (json)
        {
            foreach (var f in findings)
            {
                await context.Out.WriteLineAsync(JsonSerializer.Serialize(new Dictionary<string, object?>
                {
                    ["id"] = f.Id, ["state"] = f.State, ["recipients"] = f.Recipients, ["at"] = f.At, ["egress"] = f.Egress, ["reason"] = f.Reason, ["detail"] = f.Detail,
                })).ConfigureAwait(false);
            }

            return;
        }

        if (findings.Count == 0)
        {
            await context.Out.WriteLineAsync(
                $"Nothing known about {Describe(wanted)}: no delivery in the journal (kept {journalAge.TotalDays:0.#} days) and no copy in mail.failed or mail.parked. It may still be queued.").ConfigureAwait(false);
            return;
        }

        await context.Out.WriteLineAsync(Table.Format(
            ["ID", "STATE", "RECIPIENTS", "AT", "EGRESS", "REASON", "DETAIL"],
            findings.OrderBy(f => f.At).Select(f => new[]
            {
                PrintableText.Escape(f.Id, 60), f.State, f.Recipients, f.At?.ToString("u", CultureInfo.InvariantCulture) ?? "-", f.Egress ?? "-", f.Reason ?? "-",
                f.Detail is { Length: > 70 } d ? d[..69] + "…" : f.Detail ?? string.Empty,
            }))).ConfigureAwait(false);
    }

    private static string Describe(Wanted wanted) => string.Join(" ", new[]
    {
        string.IsNullOrEmpty(wanted.Id) ? null : wanted.Id,
        string.IsNullOrEmpty(wanted.Tenant) ? null : $"tenant {wanted.Tenant}",
        $"since {wanted.Since:u}",
    }.OfType<string>());

    /// <summary>One thing known about a message.</summary>
    private sealed record Finding(string Id, string State, string Recipients, DateTimeOffset? At, string? Egress, string? Reason, string? Detail);
}
