using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Options;
using Sluice.Worker.Classification;
using Sluice.Worker.Telemetry;

namespace Sluice.Tests.Telemetry;

/// <summary>
/// The tags that producers and receivers choose (tenant, reply codes) stay bounded, and failed and parked recipients carry their reason.
/// </summary>
public sealed class DeliveryTelemetryTests : IDisposable
{
    private readonly ServiceProvider _services = new ServiceCollection().AddMetrics().BuildServiceProvider();

    public void Dispose() => _services.Dispose();

    [Fact]
    public void Tenants_past_the_bound_share_the_tag_other()
    {
        var (telemetry, meters) = Create(maxTenants: 2);
        using var tenants = new MetricCollector<long>(meters, DeliveryTelemetry.MeterName, "sluice.tenant.recipients");

        foreach (string tenant in new[] { "acme", "globex", "initech", "umbrella", "acme" })
        {
            telemetry.Settled("default", null, "example.com", "delivered", 1, tenant: tenant);
        }

        var byTenant = tenants.GetMeasurementSnapshot().GroupBy(m => (string?)m.Tags["tenant"]).ToDictionary(g => g.Key!, g => g.Sum(m => m.Value));
        Assert.Equal(new Dictionary<string, long> { ["acme"] = 2, ["globex"] = 1, ["other"] = 2 }, byTenant);
    }

    [Fact]
    public void Refusals_are_counted_by_basic_and_enhanced_code_and_class_and_hostile_codes_stay_bounded()
    {
        var (telemetry, meters) = Create(maxReplyCodes: 3);
        using var replies = new MetricCollector<long>(meters, DeliveryTelemetry.MeterName, "sluice.smtp.replies");

        telemetry.Refused("m365", "microsoft", SmtpReply.From(451, "4.7.500 Server busy"), DeliveryOutcome.Throttled, 3);
        telemetry.Refused("m365", "microsoft", SmtpReply.From(550, "5.7.705 Access denied"), DeliveryOutcome.Banned, 1);
        telemetry.Refused("m365", null, SmtpReply.From(421, "no enhanced code"), DeliveryOutcome.Deferred, 1);

        var all = replies.GetMeasurementSnapshot();
        var busy = Assert.Single(all, m => (string?)m.Tags["enhanced"] == "4.7.500");
        Assert.Equal(("451", "throttled", 3L), ((string?)busy.Tags["code"], (string?)busy.Tags["class"], busy.Value));
        var ban = Assert.Single(all, m => (string?)m.Tags["class"] == "banned");
        Assert.Equal(("550", "other"), ((string?)ban.Tags["code"], (string?)ban.Tags["enhanced"])); // 451, 4.7.500, 550 used the bound
        var plain = Assert.Single(all, m => (string?)m.Tags["class"] == "deferred");
        Assert.Equal(("other", "none", "none"), ((string?)plain.Tags["code"], (string?)plain.Tags["enhanced"], (string?)plain.Tags["provider"]));
    }

    [Fact]
    public void Failed_and_parked_recipients_carry_their_reason_and_others_none()
    {
        var (telemetry, meters) = Create();
        using var recipients = new MetricCollector<long>(meters, DeliveryTelemetry.MeterName, "sluice.delivery.recipients");

        telemetry.Settled("default", null, "example.com", "failed", 2, reason: "smtp-rejected");
        telemetry.Settled("default", null, "example.com", "delivered", 5);

        var reasons = recipients.GetMeasurementSnapshot().ToDictionary(m => (string)m.Tags["outcome"]!, m => (string?)m.Tags["reason"]);
        Assert.Equal("smtp-rejected", reasons["failed"]);
        Assert.Equal("none", reasons["delivered"]);
    }

    private (DeliveryTelemetry Telemetry, IMeterFactory Meters) Create(int maxTenants = 100, int maxReplyCodes = 100)
    {
        var meters = _services.GetRequiredService<IMeterFactory>();
        var options = Options.Create(new TelemetryOptions { MaxTenantTags = maxTenants, MaxReplyCodeTags = maxReplyCodes });
        return (new DeliveryTelemetry(meters, new DomainTags(options), options), meters);
    }
}
