namespace Sluice.Worker.Signing;

/// <summary>What <c>sluice check-sender</c> found for one sender domain and egress.</summary>
/// <param name="Domain">The sender (From) domain.</param>
/// <param name="Egress">The egress whose sending addresses and keys were checked.</param>
/// <param name="Spf">Does the domain's SPF authorise every sending address of the egress.</param>
/// <param name="Dkim">Does the key published for the configured selector match the private key Sluice holds.</param>
/// <param name="Dmarc">The domain's DMARC policy, and whether mail from it aligns.</param>
public sealed record SenderReport(string Domain, string Egress, SenderCheckResult Spf, SenderCheckResult Dkim, SenderCheckResult Dmarc)
{
    /// <summary>SPF and DKIM pass, and DMARC does not fail (a domain without a DMARC policy leaves it to receivers).</summary>
    public bool Ok => Spf.Passed && Dkim.Passed && Dmarc.Status != "fail";

    /// <summary>DNS did not answer (an SPF temperror, a TXT lookup without reply): the report says nothing about the domain.</summary>
    public bool Inconclusive => Spf.Status == "error" || Dkim.Status == "error" || Dmarc.Status == "error";
}

/// <summary>One check: <c>pass</c>, <c>fail</c>, <c>none</c> (nothing to check) or <c>error</c> (DNS did not answer), and why.</summary>
public sealed record SenderCheckResult(string Status, string Detail)
{
    public bool Passed => Status == "pass";

    public static SenderCheckResult Pass(string detail) => new("pass", detail);

    public static SenderCheckResult Fail(string detail) => new("fail", detail);

    public static SenderCheckResult None(string detail) => new("none", detail);

    public static SenderCheckResult Error(string detail) => new("error", detail);
}
