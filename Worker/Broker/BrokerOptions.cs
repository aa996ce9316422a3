using System.ComponentModel.DataAnnotations;

namespace Sluice.Worker.Broker;

/// <summary>Where the RabbitMQ broker is (configuration section <c>Broker</c>).</summary>
public sealed class BrokerOptions
{
    public const string SectionName = "Broker";

    /// <summary>
    /// The broker as an AMQP URI (<c>amqp://user:password@host:port/vhost</c>, or <c>amqps://</c> for TLS).
    /// When set, it gives host, port, credentials and virtual host, and the keys below that it covers are ignored.
    /// Give it as a secret (<c>SLUICE__Broker__Uri</c>): it carries the password.
    /// </summary>
    public string? Uri { get; set; }

    /// <summary>
    /// The nodes of a cluster (<c>host</c> or <c>host:port</c>): a connection goes to a reachable one, and a
    /// connection lost moves to another. Empty: <see cref="HostName"/> (or the URI's host) alone.
    /// </summary>
    public List<string> Hosts { get; set; } = [];

    [Required]
    public string HostName { get; set; } = "localhost";

    [Range(1, 65535)]
    public int Port { get; set; } = 5672;

    [Required]
    public string VirtualHost { get; set; } = "/";

    [Required]
    public string UserName { get; set; } = "guest";

    /// <summary>Give it through a secret (<c>SLUICE__BROKER__PASSWORD</c>), not appsettings.json.</summary>
    [Required]
    public string Password { get; set; } = "guest";

    /// <summary>Shown in the broker's connection list, so operators can tell replicas apart.</summary>
    public string ClientName { get; set; } = "sluice@" + Environment.MachineName;

    [Range(typeof(TimeSpan), "00:00:01", "00:10:00")]
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// AMQP heartbeat: a connection (and with it an egress owner's lease) whose peer is silent for about
    /// twice this is closed, so a stalled owner loses its egress within seconds and a standby takes over.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:10:00")]
    public TimeSpan Heartbeat { get; set; } = TimeSpan.FromSeconds(5);

    public BrokerTlsOptions Tls { get; set; } = new();

    /// <summary>Deadline of one publish including its confirm (a confirm can hang across a broker restart).</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:10:00")]
    public TimeSpan PublishTimeout { get; set; } = TimeSpan.FromSeconds(10);
}
