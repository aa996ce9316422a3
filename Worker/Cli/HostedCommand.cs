using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using RabbitMQ.Client.Exceptions;
using Sluice.Contracts.Publishing;

namespace Sluice.Worker.Cli;

/// <summary>
/// Runs a command's body inside a started host (so every option is validated first) and turns the
/// failures an operator can act on into one clear line and an exit code instead of a stack trace.
/// </summary>
internal static class HostedCommand
{
    /// <param name="context">Where the host comes from and where output goes.</param>
    /// <param name="body">The command's work, run inside the started host.</param>
    /// <param name="cancellationToken">Cancels the command.</param>
    /// <param name="configure">Adds the command's own services (e.g. the pipeline for <c>run</c>).</param>
    /// <param name="beforeStart">
    /// Runs before the host starts: a failure the operator can act on (the broker unreachable, a virtual host that
    /// does not exist) is then one line, not the host's own start-up failure with its stack trace.
    /// </param>
    public static async Task<int> RunAsync(
        CliContext context, Func<IServiceProvider, CancellationToken, Task<int>> body, CancellationToken cancellationToken,
        Action<HostApplicationBuilder>? configure = null, Func<IServiceProvider, CancellationToken, Task>? beforeStart = null)
    {
        using var host = await BuildValidatedHostAsync(context, configure).ConfigureAwait(false);
        if (host is null)
        {
            return ExitCodes.InvalidInput;
        }

        // OperationInterruptedException covers AlreadyClosedException (a channel or connection the broker closed).
        try
        {
            if (beforeStart is not null)
            {
                await beforeStart(host.Services, cancellationToken).ConfigureAwait(false);
            }

            await host.StartAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                return await body(host.Services, cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                await host.StopAsync(CancellationToken.None).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is BrokerUnreachableException or MailPublishException or OperationInterruptedException or PublishException)
        {
            await context.Error.WriteLineAsync($"sluice: {BrokerErrors.Describe(e)}").ConfigureAwait(false);
            return ExitCodes.Unavailable;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            await context.Error.WriteLineAsync($"sluice: {e.Message}").ConfigureAwait(false);
            return ExitCodes.InvalidInput;
        }
    }

    /// <summary>
    /// Builds the host and validates every option before anything starts, so a bad key is one line
    /// naming it, not a logged stack trace. Returns null after reporting when the configuration is wrong.
    /// </summary>
    private static async Task<IHost?> BuildValidatedHostAsync(CliContext context, Action<HostApplicationBuilder>? configure)
    {
        IHost? host = null;
        try
        {
            var builder = context.CreateHostBuilder();
            configure?.Invoke(builder);
            host = builder.Build();
            host.Services.GetService<IStartupValidator>()?.Validate();
            return host;
        }
        catch (Exception e) when (ConfigurationErrors.IsConfigurationError(e) || e is InvalidOperationException)
        {
            // InvalidOperationException here is the binder's "Failed to convert configuration value ... at 'Key'".
            foreach (string failure in ConfigurationErrors.Describe(e))
            {
                await context.Error.WriteLineAsync($"sluice: invalid configuration: {failure}").ConfigureAwait(false);
            }

            host?.Dispose();
            return null;
        }
    }
}
