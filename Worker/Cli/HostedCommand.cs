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
    public static async Task<int> RunAsync(CliContext context, Func<IServiceProvider, CancellationToken, Task<int>> body, CancellationToken cancellationToken)
    {
        try
        {
            using var host = context.CreateHostBuilder().Build();

            // Validate every option before the host starts, so a bad key is one line, not a logged stack trace.
            host.Services.GetService<IStartupValidator>()?.Validate();
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
        catch (Exception e) when (ConfigurationErrors.IsConfigurationError(e))
        {
            foreach (string failure in ConfigurationErrors.Describe(e))
            {
                await context.Error.WriteLineAsync($"sluice: invalid configuration: {failure}").ConfigureAwait(false);
            }

            return ExitCodes.InvalidInput;
        }
        catch (Exception e) when (e is BrokerUnreachableException or MailPublishException or OperationInterruptedException)
        {
            await context.Error.WriteLineAsync($"sluice: {BrokerErrors.Describe(e)}").ConfigureAwait(false);
            return ExitCodes.Unavailable;
        }
    }
}
