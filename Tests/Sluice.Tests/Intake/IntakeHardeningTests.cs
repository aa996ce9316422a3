using System.Text;
using Sluice.Contracts;
using Sluice.Contracts.Validation;
using Sluice.Tests.Infrastructure;
using Sluice.Worker.Delivery;
using Sluice.Worker.Intake;
using Sluice.Worker.Scheduling;
using Sluice.Worker.Senders;
using Sluice.Worker.Sending;

namespace Sluice.Tests.Intake;

/// <summary>Intake's refusals of what cannot or may not be sent, and the transactions it cuts.</summary>
public sealed class IntakeHardeningTests
{
    private static readonly IntakeSplitter Allowlisted = new(["default"], new ContractLimits(), new SenderAllowlist(new SenderOptions
    {
        Policy = SenderPolicy.Allowlist,
        Tenants = new() { ["acme"] = ["acme.example"] },
    }));

    [Fact]
    public void A_body_over_the_whole_message_cap_is_refused_before_it_is_parsed()
    {
        var splitter = new IntakeSplitter(["default"], new ContractLimits { MaxMessageBytes = 2048 });
        var reject = Assert.IsType<IntakeDecision.Reject>(splitter.Decide(new byte[4096]));
        Assert.Equal(FailureReasons.InvalidContract, reject.Reason);
        Assert.Contains("MaxMessageBytes", reject.Detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("support@acme.example", null)]
    [InlineData("support@mail.acme.example", null)]
    [InlineData("noreply@paypal.example", FailureReasons.SenderNotAllowed)]
    [InlineData("support@notacme.example", FailureReasons.SenderNotAllowed)]
    public void Under_an_allowlist_a_tenant_sends_only_from_its_own_domains(string from, string? reason)
    {
        var mail = SampleMail.To("alice@contoso.example") with { From = new() { Address = from } };
        var decision = Allowlisted.Decide(OutboundMailJson.Serialize(mail));
        Assert.Equal(reason, (decision as IntakeDecision.Reject)?.Reason);
    }

    [Fact]
    public void A_tenant_without_sender_domains_is_refused_under_an_allowlist()
    {
        var mail = SampleMail.To("alice@contoso.example") with { Tenant = "globex" };
        var reject = Assert.IsType<IntakeDecision.Reject>(Allowlisted.Decide(OutboundMailJson.Serialize(mail)));
        Assert.Equal(FailureReasons.SenderNotAllowed, reject.Reason);
        Assert.Contains("globex", reject.Detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("From: support@acme.example\r\nTo: a@contoso.example\r\nSubject: s\r\n\r\nbody\r\n", null)]
    [InlineData("From: ceo@paypal.example\r\nTo: a@contoso.example\r\nSubject: s\r\n\r\nbody\r\n", FailureReasons.SenderNotAllowed)]
    [InlineData("From: support@acme.example\r\nSender: x@paypal.example\r\nTo: a@contoso.example\r\n\r\nbody\r\n", FailureReasons.SenderNotAllowed)]
    [InlineData("From: support@acme.example\r\nFrom: ceo@acme.example\r\nTo: a@contoso.example\r\n\r\nbody\r\n", FailureReasons.InvalidMime)]
    [InlineData("To: a@contoso.example\r\nSubject: no author\r\n\r\nbody\r\n", FailureReasons.InvalidMime)]
    [InlineData("Received: from x by y\r\nFrom: support@acme.example\r\nTo: a@contoso.example\r\n\r\nbody\r\n", FailureReasons.InvalidMime)]
    [InlineData("Authentication-Results: mx; dkim=pass\r\nFrom: support@acme.example\r\n\r\nbody\r\n", FailureReasons.InvalidMime)]
    [InlineData("ARC-Seal: i=1\r\nFrom: support@acme.example\r\n\r\nbody\r\n", FailureReasons.InvalidMime)]
    public void A_producers_mime_is_checked_like_the_envelope(string mime, string? reason)
    {
        var mail = SampleMail.To("alice@contoso.example") with { Subject = null, Text = null, Mime = Encoding.ASCII.GetBytes(mime) };
        var decision = Allowlisted.Decide(OutboundMailJson.Serialize(mail));
        Assert.Equal(reason, (decision as IntakeDecision.Reject)?.Reason);
    }

    [Fact]
    public void Batches_keep_to_the_count_and_to_the_header_budget_in_order()
    {
        var small = Enumerable.Range(0, 250).Select(i => $"r{i}@x.example").ToList();
        var byCount = RecipientBatches.Split(small, 100);
        Assert.Equal([100, 100, 50], byCount.Select(b => b.Count));
        Assert.Equal(small, byCount.SelectMany(b => b));

        var long254 = Enumerable.Range(0, 500).Select(i => $"{i:000}{new string('a', 61)}@{new string('d', 181)}.example").ToList();
        var byBytes = RecipientBatches.Split(long254, 100);
        Assert.All(byBytes, b => Assert.True(Encoding.UTF8.GetByteCount(EgressEnvelope.EncodeRecipients(b)) <= RecipientBatches.MaxHeaderBytes));
        Assert.Equal(long254, byBytes.SelectMany(b => b));
    }

    [Fact]
    public void A_transaction_is_never_larger_than_any_limit_of_its_chain()
    {
        var limits = new LimitOptions { Default = new DomainLimit { PermitLimit = 1000 } };
        limits.Domains["small.example"] = new DomainLimit { PermitLimit = 60 };
        limits.Tenants["tiny"] = new WindowLimit { PermitLimit = 7 };
        var smtp = new SmtpOptions { MaxRecipientsPerTransaction = 100 };
        Assert.Equal(100, RecipientBatches.Largest(limits, smtp, "big.example", "acme"));
        Assert.Equal(60, RecipientBatches.Largest(limits, smtp, "small.example", "acme"));
        Assert.Equal(7, RecipientBatches.Largest(limits, smtp, "small.example", "tiny"));
        limits.Egress.PerMinute = 5;
        Assert.Equal(5, RecipientBatches.Largest(limits, smtp, "big.example", "acme"));
    }
}
