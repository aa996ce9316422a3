using System.CommandLine;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Sluice.Worker.Broker;
using Sluice.Worker.Control;
using Sluice.Worker.Topology;

namespace Sluice.Worker.Cli;

/// <summary><c>sluice pause TARGET</c> and <c>sluice resume TARGET</c>: written to the control stream every worker follows.</summary>
internal static class PauseCommand
{
    public static Command Create(CliContext context, bool pause)
    {
        var target = new Argument<string>("target")
        {
            Description = "egress:NAME, provider:NAME or domain:NAME (a bare name: an egress if one is called so, a domain if it has a dot, else a provider).",
        };
        var command = new Command(pause ? "pause" : "resume", pause
            ? "Stop sending to a target on every worker (within 2 s, kept across restarts); its mail stays queued."
            : "Let a paused target send again.")
        {
            target,
        };
        command.SetAction((parse, ct) => HostedCommand.RunAsync(context, async (services, token) =>
        {
            ControlTarget parsed;
            try
            {
                parsed = ControlTarget.Parse(parse.GetRequiredValue(target), services.GetRequiredService<IOptions<TopologyOptions>>().Value.EffectiveEgresses);
            }
            catch (FormatException e)
            {
                await context.Error.WriteLineAsync($"sluice: {e.Message}").ConfigureAwait(false);
                return ExitCodes.InvalidInput;
            }

            await using var connection = await services.GetRequiredService<BrokerConnector>().ConnectAsync(command.Name, token).ConfigureAwait(false);
            var controlEvent = new ControlEvent(parsed.ToString(), pause, DateTimeOffset.UtcNow, $"{Environment.UserName}@{Environment.MachineName}");
            await ControlLog.AppendAsync(connection, controlEvent, token).ConfigureAwait(false);
            await context.Out.WriteLineAsync(pause
                ? $"Paused {parsed}: every running worker stops sending to it within 2 s; its mail stays queued."
                : $"Resumed {parsed}: its mail flows again as it comes back from the delay tiers.").ConfigureAwait(false);
            return ExitCodes.Ok;
        }, ct));
        return command;
    }
}
