using System.Globalization;

namespace Sluice.Tests.Infrastructure;

/// <summary>
/// A RabbitMQ node of the test's own (Debian's rabbitmq-server, as root), beside the shared test broker:
/// its own name, ports, data and configuration, no plugins, so a test can give it TLS, cluster it with
/// others, or kill it without touching the broker every other test uses.
/// </summary>
public sealed class LocalRabbitNode : IAsyncDisposable
{
    private static readonly TimeSpan StartGuard = TimeSpan.FromMinutes(2);
    private readonly string _directory;

    private LocalRabbitNode(string name, string directory, int amqpPort)
    {
        Name = name;
        _directory = directory;
        AmqpPort = amqpPort;
    }

    /// <summary>The Erlang node name, e.g. <c>sluice-a1b2@host</c>.</summary>
    public string Name { get; }

    public int AmqpPort { get; }

    /// <summary>Starts a node; <paramref name="configuration"/> lines are added to its rabbitmq.conf (<c>{dir}</c> is its directory).</summary>
    public static async Task<LocalRabbitNode> StartAsync(string label, bool tls = false, params string[] configuration)
    {
        int amqpPort = Simulator.ReceivingSimulator.FreeLoopbackPort();
        string name = $"sluice-{label}-{Guid.NewGuid().ToString("N")[..6]}@{ShortHostName()}";
        string directory = Path.Combine(Path.GetTempPath(), "sluice-nodes", name.Split('@')[0]);
        Directory.CreateDirectory(Path.Combine(directory, "mnesia"));
        Directory.CreateDirectory(Path.Combine(directory, "log"));
        var conf = new List<string> { "loopback_users = none" };
        conf.Add(tls ? "listeners.tcp = none" : $"listeners.tcp.default = 127.0.0.1:{amqpPort}");
        if (tls)
        {
            conf.Add($"listeners.ssl.default = 127.0.0.1:{amqpPort}");
        }

        conf.AddRange(configuration.Select(line => line.Replace("{dir}", directory, StringComparison.Ordinal)));
        await File.WriteAllLinesAsync(Path.Combine(directory, "rabbitmq.conf"), conf);
        await File.WriteAllTextAsync(Path.Combine(directory, "enabled_plugins"), "[].");
        await Run("chown", ["-R", "rabbitmq:rabbitmq", directory]);

        var node = new LocalRabbitNode(name, directory, amqpPort);
        var start = await ExternalCommand.RunAsync("rabbitmq-server", ["-detached"], environment: node.Environment(Simulator.ReceivingSimulator.FreeLoopbackPort()));
        if (start.ExitCode != 0)
        {
            throw new InvalidOperationException($"rabbitmq-server -detached failed: {start.AllOutput}");
        }

        await node.AwaitStartupAsync();
        return node;
    }

    /// <summary>Runs <c>rabbitmqctl -n NODE ...</c> and fails on a non-zero exit.</summary>
    public async Task<string> CtlAsync(params string[] arguments)
    {
        var run = await ExternalCommand.RunAsync("rabbitmqctl", ["-n", Name, .. arguments]);
        return run.ExitCode == 0 ? run.Output : throw new InvalidOperationException($"rabbitmqctl {string.Join(' ', arguments)}: {run.AllOutput}");
    }

    /// <summary>Makes this node a member of <paramref name="seed"/>'s cluster.</summary>
    public async Task JoinAsync(LocalRabbitNode seed)
    {
        ArgumentNullException.ThrowIfNull(seed);
        await CtlAsync("stop_app");
        await CtlAsync("join_cluster", seed.Name);
        await CtlAsync("start_app");
        await AwaitStartupAsync();
    }

    /// <summary>SIGKILL: the node dies as a crashed machine would, with no goodbye to its peers or clients.</summary>
    public async Task KillAsync()
    {
        string pid = (await File.ReadAllTextAsync(Path.Combine(_directory, "pid"))).Trim();
        await Run("kill", ["-9", pid]);
    }

    public async ValueTask DisposeAsync()
    {
        await ExternalCommand.RunAsync("rabbitmqctl", ["-n", Name, "stop"]);
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // A node still writing its log as it stops: the temporary directory is left behind.
        }
    }

    private async Task AwaitStartupAsync()
    {
        using var deadline = new CancellationTokenSource(StartGuard);
        while (true)
        {
            // A detached node needs a moment to register before await_startup can reach it.
            var run = await ExternalCommand.RunAsync("rabbitmqctl", ["-n", Name, "await_startup", "--timeout", "30"]);
            if (run.ExitCode == 0)
            {
                return;
            }

            await Task.Delay(TimeSpan.FromSeconds(1), deadline.Token);
        }
    }

    private Dictionary<string, string> Environment(int distributionPort) => new()
    {
        ["RABBITMQ_NODENAME"] = Name,
        ["RABBITMQ_DIST_PORT"] = distributionPort.ToString(CultureInfo.InvariantCulture),
        ["RABBITMQ_MNESIA_BASE"] = Path.Combine(_directory, "mnesia"),
        ["RABBITMQ_LOG_BASE"] = Path.Combine(_directory, "log"),
        ["RABBITMQ_CONFIG_FILE"] = Path.Combine(_directory, "rabbitmq.conf"),
        ["RABBITMQ_ENABLED_PLUGINS_FILE"] = Path.Combine(_directory, "enabled_plugins"),
        ["RABBITMQ_PID_FILE"] = Path.Combine(_directory, "pid"),
    };

    private static string ShortHostName() => System.Net.Dns.GetHostName().Split('.')[0];

    private static async Task Run(string command, string[] arguments)
    {
        var run = await ExternalCommand.RunAsync(command, arguments);
        if (run.ExitCode != 0)
        {
            throw new InvalidOperationException($"{command} {string.Join(' ', arguments)}: {run.AllOutput}");
        }
    }
}
