using Microsoft.Extensions.Options;

namespace Sluice.Worker.Broker;

/// <summary>The broker's address in any of its forms (URI, node list, TLS files) is checked at start, naming the key.</summary>
internal sealed class BrokerEndpointsValidator : IValidateOptions<BrokerOptions>
{
    public ValidateOptionsResult Validate(string? name, BrokerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        if (!string.IsNullOrEmpty(options.Uri)
            && (!Uri.TryCreate(options.Uri, UriKind.Absolute, out var uri) || uri.Scheme is not ("amqp" or "amqps")))
        {
            // The URI carries the password: never repeat it.
            failures.Add("Uri: is not an amqp:// or amqps:// URI.");
        }

        for (int i = 0; i < options.Hosts.Count; i++)
        {
            try
            {
                _ = BrokerHosts.Parse(options.Hosts[i], 5672);
            }
            catch (Exception e) when (e is FormatException or ArgumentOutOfRangeException)
            {
                failures.Add($"Hosts:{i}: '{options.Hosts[i]}' is not host or host:port ({e.Message}).");
            }
        }

        foreach (var (key, file) in new[] { ("Tls:CaFile", options.Tls.CaFile), ("Tls:ClientCertificateFile", options.Tls.ClientCertificateFile) })
        {
            if (!string.IsNullOrEmpty(file) && !File.Exists(file))
            {
                failures.Add($"{key}: file '{file}' does not exist.");
            }
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
