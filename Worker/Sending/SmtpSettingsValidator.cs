using System.Net;
using Microsoft.Extensions.Options;

namespace Sluice.Worker.Sending;

/// <summary>
/// What the attributes of <see cref="SmtpOptions"/> cannot say, checked at start for the default <c>Smtp</c> section and each
/// egress's own: a <c>LocalAddress</c> that is an IP address, and no credentials or implicit TLS on an egress that delivers
/// straight to the receivers (an MX takes no AUTH from a stranger and speaks STARTTLS on port 25).
/// </summary>
internal sealed class SmtpSettingsValidator : IValidateOptions<SmtpOptions>
{
    public ValidateOptionsResult Validate(string? name, SmtpOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        string prefix = $"{(string.IsNullOrEmpty(name) ? string.Empty : $"Egresses:{name}:")}Smtp:";
        var failures = new List<string>();
        if (!string.IsNullOrEmpty(options.LocalAddress) && !IPAddress.TryParse(options.LocalAddress, out _))
        {
            failures.Add($"{prefix}LocalAddress: '{options.LocalAddress}' is not an IP address");
        }

        if (options.Mode == SmtpMode.Mx && !string.IsNullOrEmpty(options.UserName))
        {
            failures.Add($"{prefix}UserName: an egress in Mode Mx delivers to the receivers' MX hosts, which take no credentials; remove it or use Mode Relay");
        }

        if (options.Mode == SmtpMode.Mx && options.EffectiveSecurity == SmtpSecurity.Tls)
        {
            failures.Add($"{prefix}Security: Tls (implicit TLS) is not spoken by MX hosts; use StartTlsWhenAvailable (the default for Mode Mx) or StartTlsRequired");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
