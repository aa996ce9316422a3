using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using RabbitMQ.Client;
using Sluice.Worker.Topology;

namespace Sluice.Tests.Infrastructure;

/// <summary>
/// A private virtual host on the real RabbitMQ broker that .ci/run starts, so broker tests run in
/// parallel without seeing each other's queues. Created through the management API, deleted on dispose.
/// An unreachable broker fails the test with a message saying how to start one; it never skips.
/// </summary>
public sealed class TestBroker : IAsyncDisposable
{
    public static readonly string Host = Environment.GetEnvironmentVariable("SLUICE_TEST_BROKER_HOST") ?? "localhost";
    public static readonly int Port = int.Parse(Environment.GetEnvironmentVariable("SLUICE_TEST_BROKER_PORT") ?? "5672", System.Globalization.CultureInfo.InvariantCulture);
    private static readonly Uri ManagementUri = new(Environment.GetEnvironmentVariable("SLUICE_TEST_BROKER_MANAGEMENT") ?? $"http://{Host}:15672/");
    private static readonly HttpClient Management = CreateManagementClient();

    private TestBroker(string virtualHost)
    {
        VirtualHost = virtualHost;
    }

    public string VirtualHost { get; }

    /// <summary>Configuration that points a Sluice host at this virtual host.</summary>
    public IEnumerable<KeyValuePair<string, string?>> Configuration =>
    [
        new("Broker:HostName", Host),
        new("Broker:Port", Port.ToString(System.Globalization.CultureInfo.InvariantCulture)),
        new("Broker:VirtualHost", VirtualHost),
    ];

    public static async Task<TestBroker> CreateAsync()
    {
        string name = "sluice-test-" + Guid.NewGuid().ToString("N")[..12];
        try
        {
            (await Management.PutAsync(Api("vhosts", name), null).ConfigureAwait(false)).EnsureSuccessStatusCode();
            var permissions = JsonContent.Create(new { configure = ".*", write = ".*", read = ".*" });
            (await Management.PutAsync(Api("permissions", name, "guest"), permissions).ConfigureAwait(false)).EnsureSuccessStatusCode();
        }
        catch (HttpRequestException e)
        {
            throw new InvalidOperationException(
                $"RabbitMQ (with the management plugin) is not reachable at {ManagementUri}: {e.Message}. " +
                "Broker tests need a real broker: run .ci/run, or start rabbitmq-server and enable rabbitmq_management.", e);
        }

        return new TestBroker(name);
    }

    public ConnectionFactory Factory(int? port = null) => new()
    {
        HostName = Host,
        Port = port ?? Port,
        VirtualHost = VirtualHost,
        UserName = "guest",
        Password = "guest",
        ClientProvidedName = "sluice-tests",
    };

    public Task<IConnection> ConnectAsync() => Factory().CreateConnectionAsync();

    /// <summary>Connects and declares Sluice's topology (default options unless given).</summary>
    public async Task<IConnection> ConnectWithTopologyAsync(TopologyOptions? options = null)
    {
        var connection = await ConnectAsync().ConfigureAwait(false);
        await TopologyDeclarer.DeclareAsync(connection, SluiceTopology.Build(options ?? new TopologyOptions()), CancellationToken.None).ConfigureAwait(false);
        return connection;
    }

    /// <summary>Loads RabbitMQ definitions (the format of deploy/rabbitmq/definitions.json) into this vhost.</summary>
    public async Task ImportDefinitionsAsync(string definitionsJson)
    {
        using var content = new StringContent(definitionsJson, Encoding.UTF8, "application/json");
        var response = await Management.PostAsync(Api("definitions", VirtualHost), content).ConfigureAwait(false);
        string text = await response.Content.ReadAsStringAsync().ConfigureAwait(false);
        Assert.True(response.IsSuccessStatusCode, $"importing definitions failed: {(int)response.StatusCode} {text}");
    }

    public async ValueTask DisposeAsync()
    {
        using var response = await Management.DeleteAsync(Api("vhosts", VirtualHost)).ConfigureAwait(false);
    }

    private static Uri Api(params string[] segments) =>
        new(ManagementUri, "api/" + string.Join('/', segments.Select(Uri.EscapeDataString)));

    private static HttpClient CreateManagementClient()
    {
        var client = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String("guest:guest"u8.ToArray()));
        return client;
    }
}
