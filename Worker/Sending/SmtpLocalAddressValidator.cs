using System.Net;
using Microsoft.Extensions.Options;

namespace Sluice.Worker.Sending;

/// <summary>Refuses at start a <c>LocalAddress</c> that is not an IP address (the default <c>Smtp</c> section or an egress's own).</summary>
internal sealed class SmtpLocalAddressValidator : IValidateOptions<SmtpOptions>
{
    public ValidateOptionsResult Validate(string? name, SmtpOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return string.IsNullOrEmpty(options.LocalAddress) || IPAddress.TryParse(options.LocalAddress, out _)
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail($"{(string.IsNullOrEmpty(name) ? string.Empty : $"Egresses:{name}:")}Smtp:LocalAddress: '{options.LocalAddress}' is not an IP address");
    }
}
