using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Sluice.Worker.Providers;
using Sluice.Worker.Routing;
using Sluice.Worker.Senders;

namespace Sluice.Worker.Signing;

/// <summary>
/// Checks every configured sender domain at start and then every <see cref="PreflightOptions.Interval"/>: the result is
/// logged when it changes, exported (<c>sluice_sender_auth</c>) and shown by <c>sluice status</c>; under
/// <see cref="PreflightPolicy.Hold"/> a failing domain's mail waits.
/// </summary>
internal sealed partial class SenderPreflight(
    IOptions<PreflightOptions> options,
    IOptions<SenderOptions> senders,
    IOptions<DkimOptions> dkimOptions,
    IOptions<RoutingOptions> routing,
    EgressSettings egresses,
    DkimSigning dkim,
    SenderAuthState state,
    IOptions<ProviderOptions> providers,
    TimeProvider time,
    ILogger<SenderPreflight> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var domains = senders.Value.Tenants.Values.SelectMany(d => d).Concat(dkimOptions.Value.Keys.Select(k => k.Domain))
            .Select(d => d.Trim().ToLowerInvariant()).Where(d => d.Length > 0).Distinct(StringComparer.Ordinal).ToList();
        if (!options.Value.Enabled || domains.Count == 0)
        {
            return;
        }

        state.Holding = options.Value.Policy == PreflightPolicy.Hold;
        var routes = domains.SelectMany(d => EgressesOf(d).Select(e => (Domain: d, Egress: e))).ToList();
        var check = new SenderCheck(SenderCheck.Resolver(providers.Value.Dns), dkim);
        using var timer = new PeriodicTimer(options.Value.Interval, time);
        try
        {
            do
            {
                foreach (var (domain, egress) in routes)
                {
                    try
                    {
                        var report = await check.CheckAsync(domain, egress, egresses.Smtp(egress).EffectiveSendingAddresses, stoppingToken).ConfigureAwait(false);
                        if (report.Inconclusive)
                        {
                            // DNS trouble is not the domain's failure (under Hold it would stop good mail): the last result stands.
                            LogCheckFailed(domain, "dns", new[] { report.Spf, report.Dkim, report.Dmarc }.First(c => c.Status == "error").Detail);
                            continue;
                        }

                        var before = state.Reports.FirstOrDefault(r => r.Domain == report.Domain && r.Egress == egress);
                        state.Record(report);
                        if (!report.Ok && before?.Ok != false)
                        {
                            LogFailing(domain, egress, SenderAuthState.Failing(report), options.Value.Policy == PreflightPolicy.Hold ? "its mail waits" : "its mail is sent anyway");
                        }
                        else if (report.Ok && before?.Ok == false)
                        {
                            LogPassing(domain, egress);
                        }
                    }
                    catch (Exception e) when (e is not OperationCanceledException and not OutOfMemoryException)
                    {
                        // DNS trouble is not the domain's failure: the last result stands.
                        LogCheckFailed(domain, e.GetType().Name, Contracts.Validation.PrintableText.Escape(e.Message));
                    }
                }
            }
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping.
        }
    }

    /// <summary>
    /// The egresses a domain's mail may take, as the routing rules choose them: for each tenant that sends from it
    /// (<c>Senders:Tenants</c>), and for any other tenant. (A producer's own <c>egress</c> field can name any egress;
    /// those routes are not guessed.)
    /// </summary>
    private IReadOnlyList<string> EgressesOf(string domain)
    {
        var router = new EgressRouter(routing.Value);
        var tenants = senders.Value.Tenants.Where(t => t.Value.Any(d => DomainNames.IsWithin(domain, d.Trim().ToLowerInvariant()))).Select(t => t.Key);
        return [.. tenants.Append(string.Empty).Select(t => router.Choose(t, domain).Egress).Distinct(StringComparer.Ordinal)];
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Sender {Domain} fails its preflight on egress {Egress} ({Failing}); {Consequence}. `sluice check-sender {Domain} --egress {Egress}` shows why.")]
    private partial void LogFailing(string domain, string egress, string failing, string consequence);

    [LoggerMessage(Level = LogLevel.Information, Message = "Sender {Domain} passes its preflight on egress {Egress} again.")]
    private partial void LogPassing(string domain, string egress);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Sender {Domain}: the preflight could not run ({Error}: {Message}); the last result stands.")]
    private partial void LogCheckFailed(string domain, string error, string message);
}
