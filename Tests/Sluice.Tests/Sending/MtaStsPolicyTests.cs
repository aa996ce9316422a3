using Sluice.Worker.Sending.MtaSts;

namespace Sluice.Tests.Sending;

/// <summary>Reading MTA-STS records and policy files as RFC 8461 §3 writes them, and matching MX hosts against a policy.</summary>
public sealed class MtaStsPolicyTests
{
    [Fact]
    public void A_policy_file_is_read_with_its_mode_hosts_and_age()
    {
        var policy = MtaStsPolicy.Parse("version: STSv1\nmode: enforce\nmx: mail.example.com.\nmx: *.example.net\nmax_age: 604800\nextension: ignored\n", "id1", out string? problem);

        Assert.Null(problem);
        Assert.Equal(MtaStsMode.Enforce, policy!.Mode);
        Assert.Equal(["mail.example.com", "*.example.net"], policy.Mx);
        Assert.Equal(TimeSpan.FromDays(7), policy.MaxAge);
    }

    [Theory]
    [InlineData("version: STSv2\nmode: enforce\nmx: a.example\nmax_age: 60", "version")]
    [InlineData("version: STSv1\nmode: strict\nmx: a.example\nmax_age: 60", "mode")]
    [InlineData("version: STSv1\nmode: enforce\nmx: a.example\nmax_age: -5", "max_age")]
    [InlineData("version: STSv1\nmode: enforce\nmax_age: 60", "no mx")]
    [InlineData("<html>not a policy</html>", "version")]
    public void What_is_not_a_valid_policy_is_refused_with_the_reason(string text, string named)
    {
        Assert.Null(MtaStsPolicy.Parse(text, "id", out string? problem));
        Assert.Contains(named, problem, StringComparison.Ordinal);
    }

    [Fact]
    public void A_max_age_beyond_a_year_is_held_to_a_year()
    {
        var policy = MtaStsPolicy.Parse("version: STSv1\r\nmode: testing\r\nmx: a.example\r\nmax_age: 99999999999\r\n", "id", out _);
        Assert.Equal(MtaStsPolicy.LongestMaxAge, policy!.MaxAge);
    }

    [Theory]
    [InlineData("mail.example.com", true)]
    [InlineData("MAIL.example.com.", true)]
    [InlineData("mx1.example.net", true)]        // *.example.net: exactly one more label
    [InlineData("a.mx1.example.net", false)]     // two more labels
    [InlineData("example.net", false)]           // none
    [InlineData("mail.example.com.evil.test", false)]
    [InlineData("xexample.net", false)]
    public void Mx_hosts_match_exactly_or_by_one_leftmost_wildcard_label(string host, bool allowed)
    {
        var policy = new MtaStsPolicy(MtaStsMode.Enforce, ["mail.example.com", "*.example.net"], TimeSpan.FromDays(1), "id");
        Assert.Equal(allowed, policy.Allows(host));
    }

    [Theory]
    [InlineData(new[] { "v=STSv1; id=20261203T010101;" }, "20261203T010101")]
    [InlineData(new[] { "v=spf1 -all", "v=STSv1; id=abc" }, "abc")]
    [InlineData(new[] { "v=STSv1; id=a;", "v=STSv1; id=b;" }, null)] // two records: no policy (RFC 8461 §3.1)
    [InlineData(new[] { "v=STSv1;" }, null)]
    [InlineData(new[] { "v=STSv1; id=not-alphanumeric" }, null)]
    [InlineData(new string[0], null)]
    public void The_txt_record_announces_a_policy_by_its_id(string[] records, string? id)
    {
        Assert.Equal(id, MtaStsPolicy.AnnouncedId(records));
    }
}
