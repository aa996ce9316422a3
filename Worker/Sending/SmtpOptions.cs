using System.ComponentModel.DataAnnotations;

namespace Sluice.Worker.Sending;

/// <summary>
/// How an egress hands mail over (configuration section <c>Smtp</c>, an egress's own under <c>Egresses:NAME:Smtp</c>):
/// to a smarthost, or straight to each recipient domain's MX hosts.
/// </summary>
public sealed class SmtpOptions
{
    public const string SectionName = "Smtp";

    /// <summary><see cref="SmtpMode.Relay"/>: every message to <see cref="Host"/>; <see cref="SmtpMode.Mx"/>: to the recipient domain's MX hosts.</summary>
    public SmtpMode Mode { get; set; } = SmtpMode.Relay;

    /// <summary>With <see cref="SmtpMode.Mx"/>: the port the receivers' MX hosts listen on (25 on the Internet).</summary>
    [Range(1, 65535)]
    public int MxPort { get; set; } = 25;

    /// <summary>
    /// Mode Mx: how long a connection to an MX host waits idle in the egress's pool for the next message its host serves
    /// before it is closed (receivers close idle sessions themselves after a while).
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:05:00")]
    public TimeSpan MxIdleTimeout { get; set; } = TimeSpan.FromSeconds(10);

    [Required]
    public string Host { get; set; } = "localhost";

    [Range(1, 65535)]
    public int Port { get; set; } = 587;

    /// <summary>How connections are protected; unset: <see cref="SmtpSecurity.StartTlsRequired"/> to a smarthost, <see cref="SmtpSecurity.StartTlsWhenAvailable"/> to MX hosts.</summary>
    public SmtpSecurity? Security { get; set; }

    /// <summary><see cref="Security"/> as it applies to this mode.</summary>
    public SmtpSecurity EffectiveSecurity => Security ?? (Mode == SmtpMode.Mx ? SmtpSecurity.StartTlsWhenAvailable : SmtpSecurity.StartTlsRequired);

    /// <summary>AUTH user; empty means no authentication.</summary>
    public string? UserName { get; set; }

    public string? Password { get; set; }

    /// <summary>The name Sluice gives in EHLO; empty uses the machine name.</summary>
    public string? HeloName { get; set; }

    /// <summary>
    /// The local IP address connections leave from (an egress's own sending address, e.g. one SPF names); empty lets
    /// the system choose.
    /// </summary>
    public string? LocalAddress { get; set; }

    /// <summary>
    /// The public addresses receivers see this egress's mail come from (the smarthost's outbound addresses, or
    /// <see cref="LocalAddress"/> when sending directly): what SPF must authorise (<c>sluice check-sender</c>).
    /// </summary>
    public List<string> SendingAddresses { get; set; } = [];

    /// <summary>What SPF must authorise: <see cref="SendingAddresses"/>, else <see cref="LocalAddress"/>, else none.</summary>
    public IReadOnlyList<System.Net.IPAddress> EffectiveSendingAddresses =>
        [.. (SendingAddresses.Count > 0 ? SendingAddresses : string.IsNullOrEmpty(LocalAddress) ? [] : [LocalAddress]).Select(System.Net.IPAddress.Parse)];

    /// <summary>SMTP connections per egress: one per concurrent send, reused across messages.</summary>
    [Range(1, 1000)]
    public int Connections { get; set; } = 16;

    /// <summary>
    /// The most recipients in one SMTP transaction (RFC 5321 requires servers to take at least 100). A
    /// message with more is split into several transactions, each its own egress copy.
    /// </summary>
    [Range(1, 1000)]
    public int MaxRecipientsPerTransaction { get; set; } = 100;

    [Range(typeof(TimeSpan), "00:00:00.100", "00:10:00")]

    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The longest wait for any one SMTP reply (MailKit's per-command timeout).</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "01:00:00")]
    public TimeSpan CommandTimeout { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>
    /// The longest one transaction can last: MAIL (with the RCPTs pipelined), DATA and the end of the data
    /// each have <see cref="CommandTimeout"/>, and the payload a fourth.
    /// </summary>
    public TimeSpan TransactionBound => CommandTimeout * 4;

    /// <summary>Check the smarthost certificate's revocation (needs the CA's OCSP/CRL servers to be reachable).</summary>
    public bool CheckCertificateRevocation { get; set; } = true;
}

/// <summary>Where an egress hands its mail over.</summary>
public enum SmtpMode
{
    /// <summary>To one smarthost (<see cref="SmtpOptions.Host"/>), which relays it.</summary>
    Relay,

    /// <summary>Straight to each recipient domain's MX hosts, in preference order, on <see cref="SmtpOptions.MxPort"/>.</summary>
    Mx,
}

/// <summary>How the connection to the smarthost (or an MX host) is protected.</summary>
public enum SmtpSecurity
{
    /// <summary>STARTTLS, refusing to send if the server does not offer it.</summary>
    StartTlsRequired,

    /// <summary>STARTTLS when offered, plain otherwise (to MX hosts: opportunistic, the certificate not checked, as RFC 7435 describes).</summary>
    StartTlsWhenAvailable,

    /// <summary>TLS from the first byte (port 465).</summary>
    Tls,

    /// <summary>No encryption (a smarthost on loopback or a trusted network).</summary>
    None,
}
