using Microsoft.Extensions.Options;

namespace Sluice.Worker.Classification;

/// <summary>Turns an SMTP reply into an outcome by the reply table, falling back to the reply class.</summary>
public sealed class ReplyClassifier(IOptions<ClassificationOptions> options)
{
    private readonly IReadOnlyList<ReplyRule> _rules = options.Value.EffectiveRules;

    public Classification Classify(SmtpReply reply)
    {
        ArgumentNullException.ThrowIfNull(reply);
        var rule = _rules.FirstOrDefault(r => r.Matches(reply));
        if (rule is not null)
        {
            return new Classification(rule.Outcome, rule.CoolDown, reply, rule.Scope);
        }

        var outcome = reply.Code switch
        {
            >= 200 and < 300 => DeliveryOutcome.Delivered,
            >= 500 => DeliveryOutcome.Failed,
            _ => DeliveryOutcome.Deferred,
        };
        return new Classification(outcome, null, reply);
    }
}

/// <summary>
/// A classified reply; <see cref="CoolDown"/> overrides the default throttle pause or ban suspension when a rule
/// sets it; <see cref="Scope"/> says what a ban suspends.
/// </summary>
public sealed record Classification(DeliveryOutcome Outcome, TimeSpan? CoolDown, SmtpReply Reply, BanScope Scope = BanScope.Egress);
