using System.ComponentModel.DataAnnotations;

namespace Sluice.Worker.Signing;

/// <summary>
/// DKIM signing (configuration section <c>Dkim</c>): a key per signing domain and selector. A message is signed with
/// the key of its From domain (or of the closest parent domain that has one, which still aligns for DMARC), and with
/// the relay's own key as well when <see cref="Relay"/> is set. A From domain without a key is sent unsigned.
/// </summary>
public sealed class DkimOptions
{
    public const string SectionName = "Dkim";

    /// <summary>The signing keys, one per domain and selector.</summary>
    public List<DkimKeyOptions> Keys { get; set; } = [];

    /// <summary>The relay's own key: a second signature on every message, by the relay's domain (optional).</summary>
    public DkimKeyOptions? Relay { get; set; }
}

/// <summary>One DKIM key.</summary>
public sealed class DkimKeyOptions
{
    /// <summary>The signing domain (<c>d=</c>), lower case.</summary>
    [Required]
    public string Domain { get; set; } = string.Empty;

    /// <summary>The selector (<c>s=</c>): the public key is published at <c>SELECTOR._domainkey.DOMAIN</c>.</summary>
    [Required]
    public string Selector { get; set; } = string.Empty;

    /// <summary>A PEM file holding the private key (a mounted secret).</summary>
    public string? PrivateKeyFile { get; set; }

    /// <summary>The private key itself, PEM (from a secret in the environment: never written to a file or a log).</summary>
    public string? PrivateKey { get; set; }

    /// <summary><c>RsaSha256</c> (an RSA key, 1024 bits or more) or <c>Ed25519Sha256</c>.</summary>
    public DkimAlgorithm Algorithm { get; set; } = DkimAlgorithm.RsaSha256;
}

/// <summary>The DKIM signature algorithms Sluice signs with (RFC 6376, RFC 8463).</summary>
public enum DkimAlgorithm
{
    RsaSha256,
    Ed25519Sha256,
}
