using System.ComponentModel.DataAnnotations;

namespace Sluice.Worker.Broker;

/// <summary>Where the RabbitMQ broker is (configuration section <c>Broker</c>).</summary>
public sealed class BrokerOptions
{
    public const string SectionName = "Broker";

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

    /// <summary>Deadline of one publish including its confirm (see DESIGN.md §5).</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:10:00")]
    public TimeSpan PublishTimeout { get; set; } = TimeSpan.FromSeconds(10);
}
