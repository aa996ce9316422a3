using System.CommandLine;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Sluice.Contracts;
using Sluice.Contracts.Publishing;
using Sluice.Contracts.Validation;
using Sluice.Worker.Broker;

namespace Sluice.Worker.Cli;

/// <summary><c>sluice publish FILE.json</c>: publishes one contract message through <see cref="OutboundMailPublisher"/>.</summary>
internal static class PublishCommand
{
    public static Command Create(CliContext context)
    {
        var file = new Argument<FileInfo>("file") { Description = "A contract v1 JSON message ('-' reads standard input)." };
        var publish = new Command("publish", "Publish one outbound mail (contract v1 JSON) to mail.outbound; prints its id.");
        publish.Arguments.Add(file);
        publish.SetAction(async (parseResult, ct) =>
        {
            var path = parseResult.GetRequiredValue(file);
            OutboundMail mail;
            try
            {
                byte[] json = path.Name == "-"
                    ? await ReadStandardInputAsync(ct).ConfigureAwait(false)
                    : await File.ReadAllBytesAsync(path.FullName, ct).ConfigureAwait(false);
                mail = OutboundMailJson.Deserialize(json);
            }
            catch (Exception e) when (e is JsonException or IOException or UnauthorizedAccessException)
            {
                await context.Error.WriteLineAsync($"sluice: {path}: {e.Message}").ConfigureAwait(false);
                return ExitCodes.InvalidInput;
            }

            return await HostedCommand.RunAsync(context, (services, token) => PublishAsync(context, services, mail, token), ct).ConfigureAwait(false);
        });
        return publish;
    }

    private static async Task<int> PublishAsync(CliContext context, IServiceProvider services, OutboundMail mail, CancellationToken cancellationToken)
    {
        var options = new OutboundMailPublisherOptions
        {
            PublishTimeout = services.GetRequiredService<IOptions<BrokerOptions>>().Value.PublishTimeout,
            Limits = services.GetRequiredService<IOptions<ContractLimits>>().Value,
        };
        await using var connection = await services.GetRequiredService<BrokerConnector>().ConnectAsync("publish", cancellationToken).ConfigureAwait(false);
        await using var publisher = await OutboundMailPublisher.CreateAsync(connection, options, cancellationToken).ConfigureAwait(false);
        try
        {
            var published = await publisher.PublishAsync(mail, cancellationToken).ConfigureAwait(false);
            await context.Out.WriteLineAsync(published.Id).ConfigureAwait(false);
            return ExitCodes.Ok;
        }
        catch (InvalidOutboundMailException e)
        {
            foreach (var violation in e.Violations)
            {
                await context.Error.WriteLineAsync($"sluice: invalid message: {violation}").ConfigureAwait(false);
            }

            return ExitCodes.InvalidInput;
        }
    }

    private static async Task<byte[]> ReadStandardInputAsync(CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        await using var stdin = Console.OpenStandardInput();
        await stdin.CopyToAsync(buffer, cancellationToken).ConfigureAwait(false);
        return buffer.ToArray();
    }
}
