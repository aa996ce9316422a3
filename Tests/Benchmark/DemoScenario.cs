using System.Globalization;
using Sluice.Simulator;

namespace Sluice.Benchmark;

/// <summary>
/// The outage demo's world: half the backlog to customer domains hosted by a Microsoft-like provider
/// (found by MX, one shared limit, bans after repeated throttling), the rest to a Gmail-like and a
/// Yahoo-like provider and many small domains, a few unknown users. The worker is configured at
/// <c>believed</c> × the receivers' true limits (1 = it knows them; 2 = it must learn them from replies).
/// </summary>
internal sealed class DemoScenario
{
    public const int BanAfterThrottles = 100;

    public DemoScenario(int size, double believed)
    {
        Believed = believed;

        // Limits scale with the size so the default 10,000 drains in about two and a half minutes at the true limits.
        double scale = size / 10_000.0;
        Providers =
        [
            new DemoProvider("microsoft", "*.ms.example", "ms-example.mail.protection.outlook.com", Share: 0.50, Domains: 50, Limit: Scaled(2000, scale)),
            new DemoProvider("google", "*.gw.example", "aspmx.l.google.com", Share: 0.20, Domains: 20, Limit: Scaled(1000, scale)),
            new DemoProvider("yahoo", "*.yh.example", "mta6.am0.yahoodns.net", Share: 0.10, Domains: 5, Limit: Scaled(500, scale)),
        ];
        SmallDomains = Math.Max(1, (int)(100 * scale));
        SmallShare = 0.20;
        SmallLimit = 60;
        Size = size;
    }

    public int Size { get; }

    public double Believed { get; }

    public IReadOnlyList<DemoProvider> Providers { get; }

    public int SmallDomains { get; }

    public double SmallShare { get; }

    /// <summary>Each small domain's own limit per minute.</summary>
    public int SmallLimit { get; }

    public static TimeSpan Window => TimeSpan.FromMinutes(1);

    /// <summary>Unknown users (<c>nobody@</c>) among the small domains' recipients.</summary>
    public int UnknownUsers => Math.Min(SmallDomains, 10);

    /// <summary>Every recipient, interleaved across partitions the way a real backlog mixes them.</summary>
    public List<string> Recipients()
    {
        var lists = Providers
            .Select(p => Enumerable.Range(0, (int)(Size * p.Share)).Select(i => $"user{i}@org{i % p.Domains}{p.Pattern[1..]}").ToList())
            .ToList();
        int small = Size - lists.Sum(l => l.Count);
        lists.Add([
            .. Enumerable.Range(0, UnknownUsers).Select(i => $"nobody@s{i}.small.example"),
            .. Enumerable.Range(0, small - UnknownUsers).Select(i => $"user{i}@s{i % SmallDomains}.small.example"),
        ]);
        var all = new List<string>(Size);
        for (int i = 0; all.Count < Size; i++)
        {
            all.AddRange(lists.Where(l => i < l.Count).Select(l => l[i]));
        }

        return all;
    }

    public SimulatorOptions Simulator(int port) => new()
    {
        Port = port,
        ServerName = "simulated-edge.local",
        Rules =
        [
            .. Providers.Select(p => new DomainRule
            {
                Pattern = p.Pattern,
                Scope = LimitScope.Rule,
                Limit = p.Limit,
                Window = Window,
                BanAfterThrottles = BanAfterThrottles,
            }),
            new DomainRule { Pattern = "*", Limit = SmallLimit, Window = Window, UnknownUsers = ["nobody"] },
        ],
    };

    public DnsOptions Dns() => new()
    {
        Port = 0,
        Mx = [.. Providers.Select(p => new MxRule { Pattern = p.Pattern, Exchange = p.MxHost })],
    };

    /// <summary>The worker's limits: the providers' and the default, at <see cref="Believed"/> × the truth.</summary>
    public IEnumerable<KeyValuePair<string, string?>> WorkerLimits()
    {
        foreach (var provider in Providers)
        {
            yield return new($"Limits:Providers:{provider.Name}:PermitLimit", Believe(provider.Limit));
            yield return new($"Limits:Providers:{provider.Name}:Window", "00:01:00");
        }

        yield return new("Limits:Default:PermitLimit", Believe(SmallLimit));
        yield return new("Limits:Default:Window", "00:01:00");
    }

    /// <summary>The simulator's partition key, true limit and deliverable count of each provider and of the busiest small domain.</summary>
    public IEnumerable<(string Partition, int Limit, int Messages)> Partitions(IReadOnlyList<string> recipients) =>
        Providers.Select(p => (p.Pattern, p.Limit, recipients.Count(r => new DomainRule { Pattern = p.Pattern }.Matches(r[(r.IndexOf('@') + 1)..]))));

    private string Believe(int limit) => ((int)Math.Round(limit * Believed)).ToString(CultureInfo.InvariantCulture);

    private static int Scaled(int limit, double scale) => Math.Max(10, (int)(limit * scale));
}

/// <summary>A provider of the demo: its simulator rule pattern, the MX host its domains point to, its share of the backlog and its true limit per minute.</summary>
internal sealed record DemoProvider(string Name, string Pattern, string MxHost, double Share, int Domains, int Limit);
