using System.ComponentModel.DataAnnotations;

namespace Sluice.Worker.Retry;

/// <summary>When and how often to try again (configuration section <c>Retry</c>).</summary>
public sealed class RetryOptions
{
    public const string SectionName = "Retry";

    /// <summary>SMTP attempts before a message is parked.</summary>
    [Range(1, 1000)]
    public int MaxAttempts { get; set; } = 30;

    /// <summary>
    /// Sends of one message whose outcome was lost (the connection failed after the server accepted a
    /// recipient, e.g. a hang-up after DATA) that are tried again before it is parked with reason
    /// <c>uncertain-delivery</c>: each try may deliver a duplicate, so the budget is small.
    /// </summary>
    [Range(0, 10)]
    public int UncertainRetries { get; set; } = 1;

    /// <summary>Time since intake after which a message still not delivered is parked.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "3650.00:00:00")]
    public TimeSpan MaxAge { get; set; } = TimeSpan.FromDays(2);

    /// <summary>The wait after the first deferral; doubles with each further one.</summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "1.00:00:00")]
    public TimeSpan InitialDelay { get; set; } = TimeSpan.FromMinutes(1);

    [Range(typeof(TimeSpan), "00:00:00.001", "30.00:00:00")]

    public TimeSpan MaxDelay { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Each wait is spread by ± this fraction so deferred messages do not return together.</summary>
    [Range(0.0, 1.0)]
    public double Jitter { get; set; } = 0.2;

    /// <summary>How long a partition pauses after a throttle reply, at most (a reply-table row can set its own).</summary>
    [Range(typeof(TimeSpan), "00:00:00", "1.00:00:00")]
    public TimeSpan ThrottleCoolDown { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// The pause after a throttle reply lasts this many of the partition's windows, up to <see cref="ThrottleCoolDown"/>:
    /// a receiver that counts per 10 s has forgotten the burst after 10 s. 0: every partition pauses <see cref="ThrottleCoolDown"/>.
    /// </summary>
    [Range(0.0, 1000.0)]
    public double ThrottleCoolDownWindows { get; set; } = 1.0;

    /// <summary>How long a ban reply suspends the whole egress (until then, or until <c>sluice resume egress:NAME</c>).</summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "30.00:00:00")]
    public TimeSpan BanSuspension { get; set; } = TimeSpan.FromHours(1);

    /// <summary>The egress's first pause after the smarthost cannot be reached; doubles up to <see cref="MaxConnectionBackoff"/>.</summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "01:00:00")]
    public TimeSpan InitialConnectionBackoff { get; set; } = TimeSpan.FromSeconds(1);

    [Range(typeof(TimeSpan), "00:00:00.001", "1.00:00:00")]

    public TimeSpan MaxConnectionBackoff { get; set; } = TimeSpan.FromSeconds(15);
}
