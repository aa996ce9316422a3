using System.CommandLine;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Sluice.Worker.Broker;
using Sluice.Worker.Pipeline;

namespace Sluice.Worker.Cli;

/// <summary><c>sluice run</c> (also what <c>sluice</c> alone does): the drain pipeline, until SIGTERM or Ctrl+C.</summary>
internal static class RunCommand
{
    public static Command Create(CliContext context)
    {
        var run = new Command("run", "Run the worker: declare the topology, take in mail, and send it at the pace receivers accept (the default).");
        run.SetAction((_, ct) => RunAsync(context, ct));
        return run;
    }

    public static Task<int> RunAsync(CliContext context, CancellationToken cancellationToken) =>
        HostedCommand.RunAsync(context, async (services, token) =>
        {
            // The host's console lifetime turns SIGTERM/Ctrl+C into ApplicationStopping; the drain runs in StopAsync.
            var stopping = services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping;
            using var either = CancellationTokenSource.CreateLinkedTokenSource(stopping, token);
            try
            {
                await Task.Delay(Timeout.Infinite, either.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // Asked to stop.
            }

            // A background service that failed for good stopped the host: say so with the exit code, so a
            // supervisor restarts the worker instead of taking the stop for a requested one.
            bool failed = services.GetServices<IHostedService>().OfType<BackgroundService>().Any(s => s.ExecuteTask?.IsFaulted == true);
            return failed ? ExitCodes.Failed : ExitCodes.Ok;
        }, cancellationToken, builder => builder.AddSluicePipeline(), ProbeBrokerAsync);

    /// <summary>
    /// Opens a connection and a channel once before anything starts: a broker that cannot be reached, refuses the
    /// credentials or has no such virtual host stops <c>run</c> with one line (exit 1). Once running, a broker that
    /// goes away is waited for instead.
    /// </summary>
    private static async Task ProbeBrokerAsync(IServiceProvider services, CancellationToken cancellationToken)
    {
        await using var connection = await services.GetRequiredService<BrokerConnector>().ConnectAsync("probe", cancellationToken).ConfigureAwait(false);
        await using var channel = await connection.CreateChannelAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
    }
}
