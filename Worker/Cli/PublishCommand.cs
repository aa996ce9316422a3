using System.CommandLine;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Sluice.Contracts;
using Sluice.Contracts.Publishing;
using Sluice.Contracts.Validation;
using Sluice.Worker.Broker;

namespace Sluice.Worker.Cli;

/// <summary>
/// <c>sluice publish FILE [--ndjson]</c>: publishes contract messages through <see cref="OutboundMailPublisher"/>: one
/// JSON message, or one per line (NDJSON), each with its broker confirm.
/// </summary>
internal static class PublishCommand
{
    /// <summary>NDJSON messages awaiting their confirms at once: enough to keep the broker busy, few enough to bound memory.</summary>
    private const int InFlight = 100;

    public static Command Create(CliContext context)
    {
        var file = new Argument<FileInfo>("file") { Description = "A contract v1 JSON message ('-' reads standard input)." };
        var ndjson = new Option<bool>("--ndjson")
        {
            Description = "The file holds one message per line (NDJSON): each valid line is published (with confirms, 100 in flight) and its id printed; a bad line is reported by its number and skipped.",
        };
        var publish = new Command("publish", "Publish outbound mail (contract v1 JSON, or NDJSON with --ndjson) to mail.outbound; prints each id.");
        publish.Arguments.Add(file);
        publish.Options.Add(ndjson);
        publish.SetAction(async (parseResult, ct) =>
        {
            var path = parseResult.GetRequiredValue(file);
            byte[] input;
            try
            {
                input = path.Name == "-"
                    ? await ReadStandardInputAsync(ct).ConfigureAwait(false)
                    : await File.ReadAllBytesAsync(path.FullName, ct).ConfigureAwait(false);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                await context.Error.WriteLineAsync($"sluice: {path}: {e.Message}").ConfigureAwait(false);
                return ExitCodes.InvalidInput;
            }

            var (mails, problems) = parseResult.GetValue(ndjson) ? ReadLines(input) : ReadOne(input);
            foreach (string problem in problems)
            {
                await context.Error.WriteLineAsync($"sluice: {path}{problem}").ConfigureAwait(false);
            }

            if (mails.Count == 0)
            {
                return ExitCodes.InvalidInput;
            }

            int result = await HostedCommand.RunAsync(context, (services, token) => PublishAsync(context, services, mails, token), ct).ConfigureAwait(false);
            return result == ExitCodes.Ok && problems.Count > 0 ? ExitCodes.InvalidInput : result;
        });
        return publish;
    }

    private static (List<(int Line, OutboundMail Mail)> Mails, List<string> Problems) ReadOne(byte[] json)
    {
        try
        {
            return ([(1, OutboundMailJson.Deserialize(json))], []);
        }
        catch (JsonException e)
        {
            return ([], [$": {e.Message}"]);
        }
    }

    private static (List<(int Line, OutboundMail Mail)> Mails, List<string> Problems) ReadLines(byte[] input)
    {
        var mails = new List<(int, OutboundMail)>();
        var problems = new List<string>();
        string[] lines = System.Text.Encoding.UTF8.GetString(input).Split('\n');
        for (int i = 0; i < lines.Length; i++)
        {
            if (string.IsNullOrWhiteSpace(lines[i]))
            {
                continue;
            }

            try
            {
                mails.Add((i + 1, OutboundMailJson.Deserialize(System.Text.Encoding.UTF8.GetBytes(lines[i]))));
            }
            catch (JsonException e)
            {
                problems.Add($":{i + 1}: {e.Message}");
            }
        }

        return (mails, problems);
    }

    private static async Task<int> PublishAsync(CliContext context, IServiceProvider services, List<(int Line, OutboundMail Mail)> mails, CancellationToken cancellationToken)
    {
        var options = new OutboundMailPublisherOptions
        {
            PublishTimeout = services.GetRequiredService<IOptions<BrokerOptions>>().Value.PublishTimeout,
            Limits = services.GetRequiredService<IOptions<ContractLimits>>().Value,
        };
        await using var connection = await services.GetRequiredService<BrokerConnector>().ConnectAsync("publish", cancellationToken).ConfigureAwait(false);
        await using var publisher = await OutboundMailPublisher.CreateAsync(connection, options, cancellationToken).ConfigureAwait(false);
        int result = ExitCodes.Ok;
        foreach (var chunk in mails.Chunk(InFlight))
        {
            // The chunk's confirms are awaited together; ids are printed in line order.
            var sent = chunk.Select(async m =>
            {
                try
                {
                    return (m.Line, Id: (string?)(await publisher.PublishAsync(m.Mail, cancellationToken).ConfigureAwait(false)).Id, Violations: (IReadOnlyList<string>?)null);
                }
                catch (InvalidOutboundMailException e)
                {
                    return (m.Line, Id: (string?)null, Violations: (IReadOnlyList<string>?)[.. e.Violations.Select(v => v.ToString())]);
                }
            }).ToList();
            foreach (var (line, id, violations) in await Task.WhenAll(sent).ConfigureAwait(false))
            {
                if (id is not null)
                {
                    await context.Out.WriteLineAsync(id).ConfigureAwait(false);
                    continue;
                }

                result = ExitCodes.InvalidInput;
                foreach (string violation in violations!)
                {
                    await context.Error.WriteLineAsync(mails.Count == 1 ? $"sluice: invalid message: {violation}" : $"sluice: line {line}: invalid message: {violation}").ConfigureAwait(false);
                }
            }
        }

        return result;
    }

    private static async Task<byte[]> ReadStandardInputAsync(CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        await using var stdin = Console.OpenStandardInput();
        await stdin.CopyToAsync(buffer, cancellationToken).ConfigureAwait(false);
        return buffer.ToArray();
    }
}
