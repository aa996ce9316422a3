using System.CommandLine;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Sluice.Worker.Providers;
using Sluice.Worker.Routing;
using Sluice.Worker.Sending;
using Sluice.Worker.Signing;
using Sluice.Worker.Topology;

namespace Sluice.Worker.Cli;

/// <summary>
/// <c>sluice check-sender DOMAIN [--egress NAME] [--json]</c>: does DOMAIN's SPF authorise the egress's sending
/// addresses, does its published DKIM key match the one Sluice holds, what DMARC policy applies and does the mail align.
/// Exit 0 when all pass, 4 when one does not, 1 when DNS did not answer (for a CI job or a cron).
/// </summary>
internal static class CheckSenderCommand
{
    public const int CheckFailed = 4;

    public static Command Create(CliContext context)
    {
        var domain = new Argument<string>("domain") { Description = "The sender (From) domain to check." };
        var egress = new Option<string?>("--egress") { Description = "The egress whose sending addresses SPF must authorise (default: the default route's)." };
        var json = new Option<bool>("--json") { Description = "The report as one JSON object." };
        var command = new Command("check-sender", "SPF, DKIM and DMARC of a sender domain, against the egress's sending addresses and the DKIM key Sluice holds.")
        {
            domain, egress, json,
        };
        command.SetAction((parse, ct) => HostedCommand.RunAsync(context, async (services, token) =>
        {
            var configuration = services.GetRequiredService<IConfiguration>();
            var topology = services.GetRequiredService<IOptions<TopologyOptions>>().Value;
            string route = parse.GetValue(egress) ?? configuration.GetSection(RoutingOptions.SectionName).Get<RoutingOptions>()?.EffectiveDefault ?? QueueNames.DefaultEgress;
            if (!topology.EffectiveEgresses.Contains(route))
            {
                await context.Error.WriteLineAsync($"sluice: no egress '{route}' (Topology:Egresses is {string.Join(", ", topology.EffectiveEgresses)})").ConfigureAwait(false);
                return ExitCodes.InvalidInput;
            }

            // The egress's own Smtp settings over the defaults, as the worker reads them.
            var smtp = new SmtpOptions();
            foreach (var layer in EgressSettings.Layers(configuration, SmtpOptions.SectionName, route))
            {
                layer.Bind(smtp);
            }

            var dkim = new DkimSigning(Options.Create(configuration.GetSection(DkimOptions.SectionName).Get<DkimOptions>() ?? new DkimOptions()));
            var dns = configuration.GetSection($"{ProviderOptions.SectionName}:Dns").Get<MxLookupOptions>() ?? new MxLookupOptions();
            var check = new SenderCheck(SenderCheck.Resolver(dns), dkim);
            var report = await check.CheckAsync(parse.GetValue(domain)!, route, smtp.EffectiveSendingAddresses, token).ConfigureAwait(false);
            await context.Out.WriteLineAsync(parse.GetValue(json) ? JsonSerializer.Serialize(report, SenderJsonContext.Default.SenderReport) : Render(report)).ConfigureAwait(false);
            return report.Inconclusive ? ExitCodes.Unavailable : report.Ok ? ExitCodes.Ok : CheckFailed;
        }, ct));
        return command;
    }

    private static string Render(SenderReport report)
    {
        var text = new StringBuilder();
        text.AppendLine(System.Globalization.CultureInfo.InvariantCulture, $"{report.Domain} via egress {report.Egress}: {(report.Ok ? "OK" : "NOT OK")}");
        foreach (var (name, result) in new[] { ("SPF", report.Spf), ("DKIM", report.Dkim), ("DMARC", report.Dmarc) })
        {
            text.AppendLine(System.Globalization.CultureInfo.InvariantCulture, $"  {name,-6}{result.Status,-5} {result.Detail}");
        }

        return text.ToString().TrimEnd();
    }
}

[System.Text.Json.Serialization.JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[System.Text.Json.Serialization.JsonSerializable(typeof(SenderReport))]
internal sealed partial class SenderJsonContext : System.Text.Json.Serialization.JsonSerializerContext;
