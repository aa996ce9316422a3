using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;

namespace Sluice.Benchmark;

/// <summary>A throw-away virtual host on the local RabbitMQ (management API on 15672, guest/guest), and its publish count.</summary>
internal sealed class BenchBroker : IAsyncDisposable
{
    private static readonly Uri Management = new("http://localhost:15672/api/");
    private readonly HttpClient _http;

    private BenchBroker(HttpClient http, string virtualHost)
    {
        _http = http;
        VirtualHost = virtualHost;
    }

    public string VirtualHost { get; }

    public IEnumerable<KeyValuePair<string, string?>> Configuration =>
    [
        new("Broker:HostName", "localhost"),
        new("Broker:VirtualHost", VirtualHost),
    ];

    public static async Task<BenchBroker> CreateAsync(string purpose)
    {
        var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String("guest:guest"u8.ToArray()));
        // A run that was interrupted (Ctrl+C, a kill) left its vhost, with its queues and mail, on the broker:
        // remove those of earlier runs of this purpose first, so they do not load the broker this run measures.
        using (var vhosts = JsonDocument.Parse(await http.GetStringAsync(Api("vhosts"))))
        {
            foreach (var stale in vhosts.RootElement.EnumerateArray().Select(v => v.GetProperty("name").GetString()!)
                         .Where(n => n.StartsWith($"sluice-bench-{purpose}-", StringComparison.Ordinal)))
            {
                (await http.DeleteAsync(Api("vhosts", stale))).Dispose();
            }
        }

        string name = $"sluice-bench-{purpose}-{Guid.NewGuid().ToString("N")[..8]}";
        (await http.PutAsync(Api("vhosts", name), null)).EnsureSuccessStatusCode();
        (await http.PutAsync(Api("permissions", name, "guest"), JsonContent.Create(new { configure = ".*", write = ".*", read = ".*" }))).EnsureSuccessStatusCode();
        return new BenchBroker(http, name);
    }

    /// <summary>Messages that entered each queue (published or dead-lettered into it), by queue.</summary>
    public async Task<Dictionary<string, long>> EnteredPerQueueAsync()
    {
        using var document = JsonDocument.Parse(await _http.GetStringAsync(Api("queues", VirtualHost)));
        return document.RootElement.EnumerateArray().ToDictionary(
            q => q.GetProperty("name").GetString()!,
            q => q.TryGetProperty("message_stats", out var stats) && stats.TryGetProperty("publish", out var p) ? p.GetInt64() : 0);
    }

    /// <summary>Mail in every queue of the vhost (not status snapshots or control entries).</summary>
    public async Task<long> QueuedAsync()
    {
        using var document = JsonDocument.Parse(await _http.GetStringAsync(Api("queues", VirtualHost)));
        return document.RootElement.EnumerateArray()
            .Where(q => IsMailQueue(q.GetProperty("name").GetString()!))
            .Sum(q => q.TryGetProperty("messages", out var m) ? m.GetInt64() : 0);
    }

    /// <summary>Queues that hold mail: not <c>mail.status.*</c> snapshots, the <c>mail.control</c> stream or the delivery journals.</summary>
    public static bool IsMailQueue(string name) =>
        !name.StartsWith("mail.status.", StringComparison.Ordinal) && name != "mail.control" && !IsJournal(name);

    /// <summary>A delivery journal stream (batches of records, two per SMTP transaction).</summary>
    public static bool IsJournal(string name) => name.StartsWith("mail.journal.", StringComparison.Ordinal);

    /// <summary>Messages in one queue of the vhost.</summary>
    public async Task<long> QueuedAsync(string queue)
    {
        using var document = JsonDocument.Parse(await _http.GetStringAsync(Api("queues", VirtualHost, queue)));
        return document.RootElement.TryGetProperty("messages", out var m) ? m.GetInt64() : 0;
    }

    public async ValueTask DisposeAsync()
    {
        using var response = await _http.DeleteAsync(Api("vhosts", VirtualHost));
        _http.Dispose();
    }

    private static Uri Api(params string[] segments) => new(Management, string.Join('/', segments.Select(Uri.EscapeDataString)));
}
