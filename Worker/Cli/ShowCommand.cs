using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Sluice.Contracts;
using Sluice.Contracts.Validation;
using Sluice.Worker.Broker;
using Sluice.Worker.Operations;

namespace Sluice.Worker.Cli;

/// <summary><c>sluice show ID [--from parked|failed] [--json]</c>: one held message in full, without taking it.</summary>
internal static class ShowCommand
{
    public static Command Create(CliContext context)
    {
        var id = new Argument<string>("id") { Description = "The message's id (as inspect lists it)." };
        var from = new Option<HoldingArea?>("--from")
        {
            Description = "Look only in parked or failed (both by default).",
            CustomParser = result => HeldOptions.ParseArea(result),
        };
        var json = new Option<bool>("--json") { Description = "The message as one JSON object." };
        var command = new Command("show", "One held message in full: why it is held, its recipients, its sluice headers and what its body holds.")
        {
            id, from, json,
        };
        command.SetAction((parse, ct) => HostedCommand.RunAsync(context, async (services, token) =>
        {
            string wanted = parse.GetRequiredValue(id);
            await using var connection = await services.GetRequiredService<BrokerConnector>().ConnectAsync("show", token).ConfigureAwait(false);
            foreach (var area in parse.GetValue(from) is { } only ? [only] : new[] { HoldingArea.Parked, HoldingArea.Failed })
            {
                HeldMessage? found = null;
                await using (var channel = await connection.CreateChannelAsync(cancellationToken: token).ConfigureAwait(false))
                {
                    await HoldingQueueReader.WalkAsync(channel, HoldingAreaNames.Of(area), m =>
                    {
                        found ??= m.Id == wanted ? m : null;
                        return Task.FromResult(false);
                    }, token).ConfigureAwait(false);
                }

                if (found is not null)
                {
                    var shown = Describe(found, HoldingAreaNames.Of(area));
                    await context.Out.WriteLineAsync(parse.GetValue(json) ? JsonSerializer.Serialize(shown) : Render(shown)).ConfigureAwait(false);
                    return ExitCodes.Ok;
                }
            }

            await context.Error.WriteLineAsync($"No held message has the id '{PrintableText.Escape(wanted, 200)}' (sluice inspect lists them).").ConfigureAwait(false);
            return ExitCodes.NotFound;
        }, ct));
        return command;
    }

    /// <summary>What an operator needs to decide about a held message, in the order it is printed.</summary>
    private static Dictionary<string, object?> Describe(HeldMessage message, string queue)
    {
        OutboundMail? mail = null;
        try
        {
            mail = OutboundMailJson.Deserialize(message.Body.Span);
        }
        catch (JsonException)
        {
            // Invalid input is held too: its headers and the start of its body say what it was.
        }

        var headers = (message.Properties.Headers ?? new Dictionary<string, object?>())
            .Where(h => h.Key.StartsWith("sluice-", StringComparison.Ordinal))
            .OrderBy(h => h.Key, StringComparer.Ordinal)
            .ToDictionary(h => h.Key, h => (object?)PrintableText.Escape(h.Value is byte[] bytes ? Encoding.UTF8.GetString(bytes) : Convert.ToString(h.Value, CultureInfo.InvariantCulture) ?? string.Empty, 1000));
        return new Dictionary<string, object?>
        {
            ["id"] = message.Id,
            ["queue"] = queue,
            ["reason"] = message.Reason,
            ["detail"] = message.Detail,
            ["tenant"] = message.Tenant,
            ["domain"] = message.Domain,
            ["attempts"] = message.Attempts,
            ["redrives"] = message.Redrives,
            ["heldAt"] = message.SettledAt,
            ["from"] = mail?.From.Address,
            ["subject"] = mail?.Subject is { } subject ? PrintableText.Escape(subject, 200) : null,
            ["recipients"] = Delivery.MailHeaders.GetString(message.Properties.Headers, Delivery.MailHeaders.Recipients)
                ?? (mail is null ? null : string.Join(", ", mail.AllRecipients().Select(r => r.Address))),
            ["body"] = mail is null
                ? $"not contract JSON ({message.Body.Length} bytes): {PrintableText.Escape(Encoding.UTF8.GetString(message.Body.Span[..Math.Min(200, message.Body.Length)]), 200)}"
                : $"text {mail.Text?.Length ?? 0} chars, html {mail.Html?.Length ?? 0} chars, mime {mail.Mime?.Length ?? 0} chars, "
                  + $"{mail.Attachments?.Count ?? 0} attachment(s){(mail.Attachments is { Count: > 0 } a ? ": " + string.Join(", ", a.Select(x => $"{x.FileName} ({x.ContentType})")) : string.Empty)}",
            ["headers"] = headers,
        };
    }

    private static string Render(Dictionary<string, object?> shown)
    {
        var text = new StringBuilder();
        foreach (var (key, value) in shown.Where(p => p.Key != "headers"))
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"{key,-11} {Convert.ToString(value, CultureInfo.InvariantCulture) ?? "-"}");
        }

        text.AppendLine("headers");
        foreach (var (name, value) in (Dictionary<string, object?>)shown["headers"]!)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"  {name}: {value}");
        }

        return text.ToString().TrimEnd();
    }
}
