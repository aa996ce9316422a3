namespace Sluice.Worker.Intake;

/// <summary>What intake does with one message from <c>mail.intake</c>.</summary>
public abstract record IntakeDecision
{
    /// <summary>Route one copy per recipient domain to <paramref name="Egress"/>; the body is the normalised contract JSON.</summary>
    public sealed record Route(string Egress, string MessageId, string Tenant, byte[] Body, IReadOnlyList<DomainShare> Shares) : IntakeDecision
    {
        /// <summary>Why this egress: <c>field</c>, <c>rule N: …</c> or <c>default</c> (see <see cref="Routing.EgressRouter"/>).</summary>
        public string Reason { get; init; } = "field";
    }

    /// <summary>Not deliverable as given: to <c>mail.failed</c> with this reason and detail.</summary>
    public sealed record Reject(string Reason, string Detail) : IntakeDecision;
}

/// <summary>One recipient domain's part of a message: the domain and its envelope recipients.</summary>
public sealed record DomainShare(string Domain, IReadOnlyList<string> Recipients);
