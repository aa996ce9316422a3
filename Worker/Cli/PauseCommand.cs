using System.CommandLine;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Sluice.Worker.Broker;
using Sluice.Worker.Control;
using Sluice.Worker.Providers;
using Sluice.Worker.Topology;

namespace Sluice.Worker.Cli;

/// <summary>
/// <c>sluice pause TARGET [--reason TEXT] [--until WHEN]</c> and <c>sluice resume TARGET</c>: written to the control stream
/// every worker follows. A target that names nothing this deployment has is refused (exit 2).
/// </summary>
internal static class PauseCommand
{
    public static Command Create(CliContext context, bool pause)
    {
        var target = new Argument<string>("target")
        {
            Description = "egress:NAME, provider:NAME, domain:NAME or tenant:NAME (a bare name: an egress if one is called so, a domain if it has a dot, else a provider).",
        };
        var reason = new Option<string?>("--reason") { Description = "Why, in your words (status shows it)." };
        var until = new Option<DateTimeOffset?>("--until")
        {
            Description = "When the pause ends by itself: an age from now (30m, 2h, 1d) or a time (ISO 8601).",
            CustomParser = result => MomentArgument.Parse(result, ahead: true),
        };
        var command = new Command(pause ? "pause" : "resume", pause
            ? "Stop sending to a target on every worker (within 2 s, kept across restarts); its mail stays queued."
            : "Let a paused target send again.")
        {
            target,
        };
        if (pause)
        {
            command.Options.Add(reason);
            command.Options.Add(until);
        }

        command.SetAction((parse, ct) => HostedCommand.RunAsync(context, async (services, token) =>
        {
            if (await TargetAsync(context, services, parse.GetRequiredValue(target)).ConfigureAwait(false) is not { } parsed)
            {
                return ExitCodes.InvalidInput;
            }

            await using var connection = await services.GetRequiredService<BrokerConnector>().ConnectAsync(command.Name, token).ConfigureAwait(false);
            var controlEvent = new ControlEvent(parsed.ToString(), pause, DateTimeOffset.UtcNow, $"{Environment.UserName}@{Environment.MachineName}",
                pause && parse.GetValue(reason) is { } why ? Contracts.Validation.PrintableText.Escape(why, 200) : null, pause ? parse.GetValue(until) : null);
            await ControlLog.AppendAsync(connection, controlEvent, token).ConfigureAwait(false);
            await context.Out.WriteLineAsync(pause
                ? $"Paused {parsed}{(controlEvent.Until is { } end ? $" until {end:u}" : string.Empty)}: every running worker stops sending to it within 2 s; its mail stays queued."
                : $"Resumed {parsed}: its mail flows again as it comes back from the delay tiers.").ConfigureAwait(false);
            return ExitCodes.Ok;
        }, ct));
        return command;
    }

    /// <summary><c>sluice retry-now TARGET</c>: a partition's throttle cool-down ends now on its owner.</summary>
    public static Command CreateRetryNow(CliContext context)
    {
        var target = new Argument<string>("target") { Description = "provider:NAME or domain:NAME (a bare name: a domain if it has a dot, else a provider)." };
        var command = new Command("retry-now", "End a partition's throttle cool-down now: mail waiting in its lane is tried at once. "
            + "Mail in the delay tiers keeps its time, and a ban is lifted by resume.")
        {
            target,
        };
        command.SetAction((parse, ct) => HostedCommand.RunAsync(context, async (services, token) =>
        {
            if (await TargetAsync(context, services, parse.GetRequiredValue(target)).ConfigureAwait(false) is not { } parsed)
            {
                return ExitCodes.InvalidInput;
            }

            if (parsed.Partition is null)
            {
                await context.Error.WriteLineAsync($"sluice: retry-now takes a partition (provider:NAME or domain:NAME), not {parsed}.").ConfigureAwait(false);
                return ExitCodes.InvalidInput;
            }

            await using var connection = await services.GetRequiredService<BrokerConnector>().ConnectAsync(command.Name, token).ConfigureAwait(false);
            await ControlLog.AppendAsync(connection, new ControlEvent(parsed.ToString(), Paused: false, DateTimeOffset.UtcNow,
                $"{Environment.UserName}@{Environment.MachineName}", RetryNow: true), token).ConfigureAwait(false);
            await context.Out.WriteLineAsync($"Asked the owner to retry {parsed} now: its throttle cool-down ends within 2 s.").ConfigureAwait(false);
            return ExitCodes.Ok;
        }, ct));
        return command;
    }

    /// <summary>The target as given, or null (with one line on why) when it names nothing this deployment has.</summary>
    private static async Task<ControlTarget?> TargetAsync(CliContext context, IServiceProvider services, string given)
    {
        ControlTarget parsed;
        var egresses = services.GetRequiredService<IOptions<TopologyOptions>>().Value.EffectiveEgresses;
        try
        {
            parsed = ControlTarget.Parse(given, egresses);
        }
        catch (FormatException e)
        {
            await context.Error.WriteLineAsync($"sluice: {e.Message}").ConfigureAwait(false);
            return null;
        }

        var providers = services.GetRequiredService<IConfiguration>().GetSection($"{ProviderOptions.SectionName}:{nameof(ProviderOptions.Known)}").GetChildren().Select(c => c.Key).ToList();
        if (parsed.Problem(egresses, providers) is { } problem)
        {
            await context.Error.WriteLineAsync($"sluice: {problem}").ConfigureAwait(false);
            return null;
        }

        return parsed;
    }
}
