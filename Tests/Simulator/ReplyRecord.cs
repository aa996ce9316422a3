namespace Sluice.Simulator;

/// <summary>One reply the simulator gave: the record tests and benchmarks judge Sluice by.</summary>
/// <param name="At">When the reply was sent.</param>
/// <param name="Stage"><c>rcpt</c> (a RCPT TO reply) or <c>data</c> (the message was stored for this recipient).</param>
/// <param name="Recipient">The envelope recipient, lower case.</param>
/// <param name="Partition">The window the recipient counted in (domain, or rule pattern for shared limits).</param>
/// <param name="Code">The reply code, e.g. 250 or 451.</param>
/// <param name="Reply">The full reply text.</param>
/// <param name="MessageId">The Message-ID header (data stage only).</param>
/// <param name="User">The user the session authenticated as (data stage only; null: not authenticated).</param>
/// <param name="Client">The sending client's IP address (data stage only).</param>
/// <param name="Dkim">
/// The message's DKIM signatures as verified against <see cref="SimulatorOptions.DkimKeys"/>, e.g. <c>pass d=acme.example</c>,
/// several joined by <c>; </c> (data stage only; null: not signed).
/// </param>
public sealed record ReplyRecord(
    DateTimeOffset At, string Stage, string Recipient, string Partition, int Code, string Reply, string? MessageId = null, string? User = null,
    string? Client = null, string? Dkim = null)
{
    public const string RcptStage = "rcpt";
    public const string DataStage = "data";

    public bool IsAccepted => Code is >= 200 and < 300;
}
