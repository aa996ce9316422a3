using System.Text;
using Sluice.Contracts;
using Sluice.Contracts.Validation;
using Sluice.Tests.Infrastructure;
using Sluice.Worker.Delivery;
using Sluice.Worker.Intake;

namespace Sluice.Tests.Intake;

public sealed class IntakeSplitterTests
{
    private static readonly IntakeSplitter Splitter = new(["default", "bulk"], new ContractLimits());

    [Fact]
    public void Recipients_are_split_by_normalised_domain_and_deduplicated()
    {
        var mail = SampleMail.To("ann@One.example", "bob@two.example", "ann@one.example") with
        {
            Cc = [new() { Address = "cat@ONE.example" }],
            Bcc = [new() { Address = "dan@bücher.example" }],
        };

        var route = Assert.IsType<IntakeDecision.Route>(Splitter.Decide(OutboundMailJson.Serialize(mail)));

        Assert.Equal("default", route.Egress);
        Assert.Equal(
            [("one.example", "ann@one.example,cat@one.example"), ("two.example", "bob@two.example"), ("xn--bcher-kva.example", "dan@xn--bcher-kva.example")],
            route.Shares.Select(s => (s.Domain, string.Join(',', s.Recipients))).Order().ToList());
        Assert.Equal(mail.Id, OutboundMailJson.Deserialize(route.Body).Id);
    }

    [Fact]
    public void The_egress_named_by_the_producer_is_used_and_an_unknown_one_is_rejected()
    {
        var bulk = SampleMail.To("ann@one.example") with { Egress = "bulk" };
        Assert.Equal("bulk", Assert.IsType<IntakeDecision.Route>(Splitter.Decide(OutboundMailJson.Serialize(bulk))).Egress);

        var unknown = SampleMail.To("ann@one.example") with { Egress = "marketing" };
        var reject = Assert.IsType<IntakeDecision.Reject>(Splitter.Decide(OutboundMailJson.Serialize(unknown)));
        Assert.Equal(FailureReasons.UnknownEgress, reject.Reason);
        Assert.Contains("marketing", reject.Detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("", FailureReasons.InvalidJson)]
    [InlineData("null", FailureReasons.InvalidJson)]
    [InlineData("{\"schemaVersion\":1}", FailureReasons.InvalidJson)]
    [InlineData("[1,2]", FailureReasons.InvalidJson)]
    public void Bodies_that_are_not_the_contracts_shape_are_rejected_as_invalid_json(string body, string reason)
    {
        Assert.Equal(reason, Assert.IsType<IntakeDecision.Reject>(Splitter.Decide(Encoding.UTF8.GetBytes(body))).Reason);
    }

    [Fact]
    public void Contract_violations_are_rejected_with_the_field_named()
    {
        var mail = SampleMail.To("not-an-address") with { SchemaVersion = 2 };
        var reject = Assert.IsType<IntakeDecision.Reject>(Splitter.Decide(OutboundMailJson.Serialize(mail)));
        Assert.Equal(FailureReasons.InvalidContract, reject.Reason);
        Assert.Contains("schemaVersion", reject.Detail, StringComparison.Ordinal);
        Assert.Contains("to[0].address", reject.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void A_redriven_copy_goes_only_to_the_recipients_it_names()
    {
        var mail = SampleMail.To("ann@one.example", "bob@one.example", "cat@two.example");
        var route = Assert.IsType<IntakeDecision.Route>(Splitter.Decide(OutboundMailJson.Serialize(mail), "[\"BOB@one.example\"]"));
        Assert.Equal(("one.example", "bob@one.example"), route.Shares.Select(s => (s.Domain, string.Join(',', s.Recipients))).Single());

        var none = Assert.IsType<IntakeDecision.Reject>(Splitter.Decide(OutboundMailJson.Serialize(mail), "[\"zed@one.example\"]"));
        Assert.Equal(FailureReasons.InvalidEnvelope, none.Reason);
        Assert.Equal(FailureReasons.InvalidEnvelope, Assert.IsType<IntakeDecision.Reject>(Splitter.Decide(OutboundMailJson.Serialize(mail), "not json")).Reason);
    }
}
