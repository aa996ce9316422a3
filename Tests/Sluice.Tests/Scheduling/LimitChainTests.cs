using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Sluice.Worker.Scheduling;

namespace Sluice.Tests.Scheduling;

/// <summary>Partition ▸ tenant ▸ egress: a send needs every level, and a refusal by one costs the others nothing.</summary>
public sealed class LimitChainTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 28, 12, 0, 0, TimeSpan.Zero));

    [Fact]
    public async Task A_tenant_refusal_leaks_no_permit_of_the_partition()
    {
        using var limiters = Limiters(o =>
        {
            o.Default = new DomainLimit { PermitLimit = 10, Window = TimeSpan.FromMinutes(1), Concurrency = 100 };
            o.Tenants["noisy"] = new WindowLimit { PermitLimit = 2, Window = TimeSpan.FromMinutes(1) };
        });

        Assert.Equal(2, await AdmitAsync(limiters, "x.example", "noisy", 50));
        var refused = Assert.IsType<Admission.RateLimited>(await limiters.AdmitAsync("x.example", "noisy", 1, CancellationToken.None));
        Assert.Equal("tenant:noisy", refused.Level);
        Assert.Equal(TimeSpan.FromMinutes(1), refused.RetryAfter);

        // 48 refusals of the noisy tenant took nothing from x.example: the quiet tenant gets the other 8.
        Assert.Equal(8, await AdmitAsync(limiters, "x.example", "quiet", 50));
    }

    [Fact]
    public async Task The_egress_minute_caps_all_partitions_together_and_names_itself_when_it_refuses()
    {
        using var limiters = Limiters(o =>
        {
            o.Default = new DomainLimit { PermitLimit = 100, Window = TimeSpan.FromMinutes(1), Concurrency = 100 };
            o.Egress.PerMinute = 5;
        });

        Assert.Equal(3, await AdmitAsync(limiters, "a.example", "t", 3));
        Assert.Equal(2, await AdmitAsync(limiters, "b.example", "t", 10));
        var refused = Assert.IsType<Admission.RateLimited>(await limiters.AdmitAsync("c.example", "t", 1, CancellationToken.None));
        Assert.Equal("egress:minute", refused.Level);

        _time.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(5, await AdmitAsync(limiters, "c.example", "t", 10));
    }

    [Fact]
    public async Task The_egress_day_quota_holds_across_minutes()
    {
        using var limiters = Limiters(o =>
        {
            o.Default = new DomainLimit { PermitLimit = 100, Window = TimeSpan.FromMinutes(1), Concurrency = 100 };
            o.Egress.PerDay = 150;
        });

        Assert.Equal(100, await AdmitAsync(limiters, "a.example", "t", 200));
        _time.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(50, await AdmitAsync(limiters, "a.example", "t", 200));
        var refused = Assert.IsType<Admission.RateLimited>(await limiters.AdmitAsync("a.example", "t", 1, CancellationToken.None));
        Assert.Equal("egress:day", refused.Level);
        Assert.Equal(TimeSpan.FromDays(1) - TimeSpan.FromMinutes(1), refused.RetryAfter);
    }

    [Fact]
    public async Task A_provider_is_one_partition_for_all_its_domains_with_its_own_limit()
    {
        using var limiters = Limiters(o =>
        {
            o.Default = new DomainLimit { PermitLimit = 100, Window = TimeSpan.FromMinutes(1), Concurrency = 100 };
            o.Providers["microsoft"] = new DomainLimit { PermitLimit = 4, Window = TimeSpan.FromMinutes(1), Concurrency = 100 };
        });

        Assert.Equal(3, await AdmitAsync(limiters, Partitions.Key("contoso.example", "microsoft"), "t", 3));
        Assert.Equal(1, await AdmitAsync(limiters, Partitions.Key("fabrikam.example", "microsoft"), "t", 3));
        Assert.Equal(3, await AdmitAsync(limiters, Partitions.Key("fabrikam.example", null), "t", 3)); // no provider: its own partition
        Assert.Equal(4, limiters.CurrentLimit("provider:microsoft"));
    }

    private EgressLimiters Limiters(Action<LimitOptions> configure)
    {
        var options = new LimitOptions { Margin = TimeSpan.Zero, HoldWindowsOnTakeover = false, WarmUp = new WarmUpOptions { Enabled = false } };
        configure(options);
        return new EgressLimiters(Options.Create(options), _time);
    }

    internal static async Task<int> AdmitAsync(EgressLimiters limiters, string partition, string tenant, int messages)
    {
        int granted = 0;
        for (int i = 0; i < messages; i++)
        {
            if (await limiters.AdmitAsync(partition, tenant, 1, CancellationToken.None) is Admission.Granted g)
            {
                g.Lease.Dispose();
                granted++;
            }
        }

        return granted;
    }
}
