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

            var (mails, problems) = Read(input, parseResult.GetValue(ndjson));
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

    /// <summary>The messages of the input, each with its line (1 for a single message), and what could not be read, by line.</summary>
    private static (List<(int Line, OutboundMail Mail)> Mails, List<string> Problems) Read(byte[] input, bool ndjson)
    {
        var mails = new List<(int, OutboundMail)>();
        var problems = new List<string>();
        foreach (var (line, json) in ndjson ? Lines(input) : [(1, input)])
        {
            try
            {
                mails.Add((line, OutboundMailJson.Deserialize(json.Span)));
            }
            catch (JsonException e)
            {
                problems.Add(ndjson ? $":{line}: {e.Message}" : $": {e.Message}");
            }
        }

        return (mails, problems);
    }

    /// <summary>The non-blank lines of NDJSON, as bytes (not decoded: invalid UTF-8 is refused by the JSON reader, not replaced).</summary>
    private static IEnumerable<(int Line, ReadOnlyMemory<byte> Json)> Lines(byte[] input)
    {
        int start = 0, line = 1;
        for (int i = 0; i <= input.Length; i++)
        {
            if (i < input.Length && input[i] != (byte)'\n')
            {
                continue;
            }

            var json = input.AsMemory(start, i - start);
            if (json.Span.IndexOfAnyExcept(" \t\r"u8) >= 0)
            {
                yield return (line, json);
            }

            start = i + 1;
            line++;
        }
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
