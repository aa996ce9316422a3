using Microsoft.Extensions.Options;

namespace Sluice.Worker.Signing;

/// <summary>Refuses to start when a DKIM key cannot be read, or is an RSA key too short for receivers: the key's domain and selector are named, the key itself never.</summary>
internal sealed class DkimKeysValidator : IValidateOptions<DkimOptions>
{
    public ValidateOptionsResult Validate(string? name, DkimOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        var keys = options.Keys.Select((k, i) => (Key: k, Path: $"{DkimOptions.SectionName}:Keys:{i}"));
        if (options.Relay is { } relay)
        {
            keys = keys.Append((relay, $"{DkimOptions.SectionName}:Relay"));
        }

        foreach (var (key, path) in keys)
        {
            if (string.IsNullOrWhiteSpace(key.Domain) || string.IsNullOrWhiteSpace(key.Selector))
            {
                failures.Add($"{path}: Domain and Selector are required");
                continue;
            }

            try
            {
                _ = new DkimSigning(Options.Create(new DkimOptions { Keys = [key] }));
                if (RsaBits(key) is < 1024 and int bits)
                {
                    failures.Add($"{path} ({key.Selector}._domainkey.{key.Domain}): the RSA key has {bits} bits; receivers ignore signatures made with fewer than 1024 (RFC 8301): use 2048");
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or ArgumentException or InvalidOperationException
                or Org.BouncyCastle.Security.SecurityUtilityException or Org.BouncyCastle.OpenSsl.PemException or InvalidCastException)
            {
                failures.Add($"{path} ({key.Selector}._domainkey.{key.Domain}): the private key cannot be read ({e.GetType().Name})");
            }
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    /// <summary>The size of an RSA key (null: not RSA, or in a form .NET does not read, which MimeKit has read already).</summary>
    private static int? RsaBits(DkimKeyOptions key)
    {
        if (key.Algorithm != DkimAlgorithm.RsaSha256)
        {
            return null;
        }

        try
        {
            using var rsa = System.Security.Cryptography.RSA.Create();
            rsa.ImportFromPem(key.PrivateKey is { Length: > 0 } text ? text : File.ReadAllText(key.PrivateKeyFile!));
            return rsa.KeySize;
        }
        catch (Exception e) when (e is ArgumentException or System.Security.Cryptography.CryptographicException)
        {
            return null;
        }
    }
}
