namespace Sluice.Simulator;

/// <summary>An MX answer of the simulated DNS: domains matching <see cref="Pattern"/> (as in <see cref="DomainRule"/>) are hosted at <see cref="Exchange"/>.</summary>
public sealed class MxRule
{
    public string Pattern { get; set; } = "*";

    /// <summary>The MX host, e.g. <c>contoso-com.mail.protection.outlook.com</c>.</summary>
    public string Exchange { get; set; } = string.Empty;

    /// <summary>The answer's TTL in seconds.</summary>
    public int TimeToLive { get; set; } = 300;

    public bool Matches(string domain) => new DomainRule { Pattern = Pattern }.Matches(domain);
}
