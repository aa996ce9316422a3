namespace Sluice.Contracts.Publishing;

/// <summary>What the broker confirmed: the message id, where it went and its body size.</summary>
public sealed record PublishedMail(string Id, string Exchange, string RoutingKey, int BodyBytes);
