namespace Sluice.Contracts.Publishing;

/// <summary>The AMQP side of the producer contract: where and how a message is published.</summary>
public static class OutboundWire
{
    /// <summary>The exchange producers publish to.</summary>
    public const string Exchange = "mail.outbound";

    public const string ContentType = "application/json";

    /// <summary>AMQP <c>type</c> property: names the contract and its version.</summary>
    public const string MessageType = "sluice.outbound-mail.v1";

    /// <summary>Routing key when recipients span several domains (intake splits the message).</summary>
    public const string MixedDomainsRoutingKey = "mixed";

    /// <summary>
    /// The routing key for a normalised message: its recipients' single (punycode, lower-case) domain,
    /// or <see cref="MixedDomainsRoutingKey"/> when they have several.
    /// </summary>
    public static string RoutingKeyFor(OutboundMail normalizedMail)
    {
        ArgumentNullException.ThrowIfNull(normalizedMail);
        var domains = normalizedMail.AllRecipients()
            .Select(r => Validation.EmailAddressNormalizer.DomainOf(r.Address))
            .Distinct(StringComparer.Ordinal)
            .Take(2)
            .ToList();
        return domains.Count == 1 ? domains[0] : MixedDomainsRoutingKey;
    }
}
