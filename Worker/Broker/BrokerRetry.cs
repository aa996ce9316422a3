using Microsoft.Extensions.Logging;
using Sluice.Contracts.Validation;

namespace Sluice.Worker.Broker;

/// <summary>
/// Runs a background service's broker work until the host stops, starting it again after any failure
/// (the broker away, a channel refused, a stall past a timeout) with a back-off from 1 s to 15 s. A
/// background failure must never end the worker: the host would stop with exit code 0, and under a
/// restart-on-failure policy nobody would bring the egress back.
/// </summary>
internal static partial class BrokerRetry
{
    private static readonly TimeSpan First = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan Longest = TimeSpan.FromSeconds(15);

    /// <param name="what">Names the work in the log line, e.g. "intake".</param>
    /// <param name="body">The work; returning ends the loop, throwing starts it again after the back-off.</param>
    /// <param name="time">The clock of the back-off.</param>
    /// <param name="logger">Gets one line per failure (the stack at debug).</param>
    /// <param name="stoppingToken">The host's stopping token.</param>
    public static async Task RunAsync(string what, Func<CancellationToken, Task> body, TimeProvider time, ILogger logger, CancellationToken stoppingToken)
    {
        var wait = First;
        while (!stoppingToken.IsCancellationRequested)
        {
            var started = time.GetUtcNow();
            try
            {
                await body(stoppingToken).ConfigureAwait(false);
                return;
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                // The host is stopping (or never got started): not a failure of this work.
                return;
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested && e is not OutOfMemoryException)
            {
                // A run that lasted a while was healthy: the next failure starts the back-off afresh.
                if (time.GetUtcNow() - started > Longest)
                {
                    wait = First;
                }

                LogFailed(logger, what, wait.TotalSeconds, e.GetType().Name, PrintableText.Escape(e.Message));
                LogFailedDetail(logger, e);
            }

            try
            {
                await Task.Delay(wait, time, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            wait = TimeSpan.FromTicks(Math.Min(wait.Ticks * 2, Longest.Ticks));
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "{What}: the broker failed ({Error}: {Message}); starting again in {Seconds:0.#} s.")]
    private static partial void LogFailed(ILogger logger, string what, double seconds, string error, string message);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Broker failure detail.")]
    private static partial void LogFailedDetail(ILogger logger, Exception exception);
}
