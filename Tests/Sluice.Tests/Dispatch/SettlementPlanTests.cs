using Microsoft.Extensions.Options;
using Sluice.Contracts.Events;
using Sluice.Worker.Classification;
using Sluice.Worker.Dispatch;
using Sluice.Worker.Sending;

namespace Sluice.Tests.Dispatch;

/// <summary>What each class of refusal leads to, with the default reply table: one step per class, its recipients and its times.</summary>
public sealed class SettlementPlanTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 3, 12, 0, 0, TimeSpan.Zero);
    private static readonly ReplyClassifier Defaults = new(Options.Create(new ClassificationOptions()));
    private static readonly TimeSpan CoolDown = TimeSpan.FromSeconds(20);
    private static readonly TimeSpan Ban = TimeSpan.FromHours(1);
    private static readonly TimeSpan Recheck = TimeSpan.FromMinutes(5);

    private static IReadOnlyList<SettlementStep> Plan(params (string Recipient, int Code, string Text)[] refused) =>
        SettlementPlan.For([.. refused.Select(r => new RecipientReply(r.Recipient, SmtpReply.From(r.Code, r.Text)))], Defaults.Classify, Now, CoolDown, Ban, Recheck);

    [Fact]
    public void Nothing_refused_means_nothing_to_do_beyond_the_delivery()
    {
        Assert.Empty(Plan());
    }

    [Fact]
    public void Each_reply_class_is_one_step_for_its_recipients()
    {
        var steps = Plan(
            ("a@x.example", 550, "5.1.1 no such user"),
            ("b@x.example", 451, "4.7.500 Server busy"),
            ("c@x.example", 550, "5.1.1 no such user"),
            ("d@x.example", 451, "4.3.0 Temporary failure"));
        Assert.Equal(3, steps.Count);
        var fail = Assert.IsType<SettlementStep.Fail>(steps[0]);
        Assert.Equal(["a@x.example", "c@x.example"], fail.Recipients);
        Assert.Equal("550 5.1.1 no such user", fail.Reply);
        Assert.Equal(Now + CoolDown, Assert.IsType<SettlementStep.Throttle>(steps[1]).CoolUntil);
        var retry = Assert.IsType<SettlementStep.Retry>(steps[2]);
        Assert.Equal((DeliveryOutcomes.Deferred, "deferred", (DateTimeOffset?)null), (retry.Outcome, retry.Counted, retry.Latest));
    }

    [Fact]
    public void Too_many_recipients_splits_in_two_and_a_single_one_retries()
    {
        var split = Assert.IsType<SettlementStep.SplitInTwo>(Assert.Single(Plan(("a@x.example", 452, "4.5.3 Too many recipients"), ("b@x.example", 452, "4.5.3 Too many recipients"), ("c@x.example", 452, "4.5.3 Too many recipients"))));
        Assert.Equal(["a@x.example"], split.First);
        Assert.Equal(["b@x.example", "c@x.example"], split.Second);
        Assert.Equal("split", Assert.IsType<SettlementStep.Retry>(Assert.Single(Plan(("a@x.example", 452, "4.5.3 Too many recipients")))).Counted);
    }

    [Fact]
    public void A_ban_names_its_scope_and_the_retry_comes_back_by_the_recheck()
    {
        var egress = Assert.IsType<SettlementStep.BanEgress>(Assert.Single(Plan(("a@x.example", 550, "5.7.705 Access denied, tenant has exceeded threshold."))));
        Assert.Equal((Now + Ban, Now + Recheck), (egress.Until, egress.RetryBy));
        var partition = Assert.IsType<SettlementStep.BanPartition>(Assert.Single(Plan(("a@x.example", 550, "5.7.606 Access denied, banned sending IP [203.0.113.7]."))));
        Assert.Equal(Now + Recheck, partition.RetryBy);
    }

    [Fact]
    public void Delivering_to_mx_hosts_every_ban_is_the_receivers_and_suspends_its_partition_only()
    {
        var steps = SettlementPlan.For(
            [new("a@x.example", SmtpReply.From(550, "5.7.705 Access denied, tenant has exceeded threshold."))],
            Defaults.Classify, Now, CoolDown, Ban, Recheck, fromReceivers: true);

        Assert.Equal(Now + Ban, Assert.IsType<SettlementStep.BanPartition>(Assert.Single(steps)).Until);
    }

    [Fact]
    public void A_configured_cool_down_or_ban_length_wins_over_the_default_and_a_short_ban_retries_when_it_ends()
    {
        var classifier = new ReplyClassifier(Options.Create(new ClassificationOptions
        {
            Rules =
            [
                new ReplyRule { Enhanced = "4.7.500", Outcome = DeliveryOutcome.Throttled, CoolDown = TimeSpan.FromMinutes(2) },
                new ReplyRule { Enhanced = "5.7.705", Outcome = DeliveryOutcome.Banned, CoolDown = TimeSpan.FromMinutes(1) },
            ],
        }));
        var steps = SettlementPlan.For(
            [new("a@x.example", SmtpReply.From(451, "4.7.500 Server busy")), new("b@x.example", SmtpReply.From(550, "5.7.705 Access denied"))],
            classifier.Classify, Now, CoolDown, Ban, Recheck);
        Assert.Equal(Now.AddMinutes(2), Assert.IsType<SettlementStep.Throttle>(steps[0]).CoolUntil);
        var ban = Assert.IsType<SettlementStep.BanEgress>(steps[1]);
        Assert.Equal((Now.AddMinutes(1), Now.AddMinutes(1)), (ban.Until, ban.RetryBy));
    }
}
