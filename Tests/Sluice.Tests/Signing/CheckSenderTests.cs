using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using Sluice.Simulator;
using Sluice.Tests.Infrastructure;

namespace Sluice.Tests.Signing;

/// <summary><c>sluice check-sender</c> against the simulator's DNS server, serving SPF, DKIM and DMARC records over the wire.</summary>
public sealed class CheckSenderTests
{
    [Fact]
    public async Task Check_sender_reports_spf_dkim_and_dmarc_per_domain_and_exits_non_zero_when_one_fails()
    {
        using var good = RSA.Create(2048);
        using var bad = RSA.Create(2048);
        using var published = RSA.Create(2048);

        // An include chain of eleven lookups: one more than RFC 7208 allows.
        var txt = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
        {
            ["good.example"] = "v=spf1 ip4:203.0.113.7 -all",
            ["s1._domainkey.good.example"] = DkimRecords.Rsa(good),
            ["_dmarc.good.example"] = "v=DMARC1; p=reject",
            ["bad.example"] = "v=spf1 ip4:198.51.100.9 -all",
            ["s2._domainkey.bad.example"] = DkimRecords.Rsa(published),
            ["_dmarc.bad.example"] = "v=DMARC1; p=quarantine",
            ["deep.example"] = "v=spf1 include:l1.deep.example -all",
        };
        for (int i = 1; i <= 11; i++)
        {
            txt[$"l{i}.deep.example"] = i < 11 ? $"v=spf1 include:l{i + 1}.deep.example -all" : "v=spf1 ip4:203.0.113.7 -all";
        }

        using var dns = SimulatedDns.Start(new DnsOptions { Port = 0, Txt = new(txt, StringComparer.OrdinalIgnoreCase) });
        var configuration = Configuration(dns, ("good.example", "s1", good), ("bad.example", "s2", bad));

        var ok = await SluiceCli.RunAsync(configuration, "check-sender", "good.example", "--json");
        Assert.True(ok.ExitCode == 0, ok.Output + ok.Error);
        using (var report = JsonDocument.Parse(ok.Output))
        {
            Assert.Equal("pass", report.RootElement.GetProperty("spf").GetProperty("status").GetString());
            Assert.Equal("pass", report.RootElement.GetProperty("dkim").GetProperty("status").GetString());
            Assert.StartsWith("p=reject; DKIM aligned", report.RootElement.GetProperty("dmarc").GetProperty("detail").GetString(), StringComparison.Ordinal);
        }

        // Wrong SPF, a published key that is not Sluice's, and so no alignment for a quarantine policy.
        var wrong = await SluiceCli.RunAsync(configuration, "check-sender", "bad.example");
        Assert.Equal(4, wrong.ExitCode);
        Assert.Matches(@"SPF\s+fail\s+203\.0\.113\.7: fail", wrong.Output);
        Assert.Matches(@"DKIM\s+fail\s+the key published at s2\._domainkey\.bad\.example does not match", wrong.Output);
        Assert.Matches(@"DMARC\s+fail\s+p=quarantine", wrong.Output);

        // Past the lookup limit, no key held, no DMARC record.
        var deep = await SluiceCli.RunAsync(configuration, "check-sender", "deep.example", "--json");
        Assert.Equal(4, deep.ExitCode);
        using (var report = JsonDocument.Parse(deep.Output))
        {
            Assert.StartsWith("203.0.113.7: permerror", report.RootElement.GetProperty("spf").GetProperty("detail").GetString(), StringComparison.Ordinal);
            Assert.Contains("holds no DKIM key", report.RootElement.GetProperty("dkim").GetProperty("detail").GetString(), StringComparison.Ordinal);
            Assert.Equal("none", report.RootElement.GetProperty("dmarc").GetProperty("status").GetString());
        }
    }

    [Fact]
    public async Task Dmarc_finds_the_policy_by_walking_up_the_tree_and_a_strict_policy_fails_a_parents_signature()
    {
        using var acme = RSA.Create(2048);
        using var strict = RSA.Create(2048);
        var txt = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
        {
            // Under a two-label public suffix: the policy is acme.co.test's, not the suffix's (which says psd=y).
            ["mail.acme.co.test"] = "v=spf1 ip4:203.0.113.7 -all",
            ["s1._domainkey.acme.co.test"] = DkimRecords.Rsa(acme),
            ["_dmarc.acme.co.test"] = "v=DMARC1; p=reject",
            ["_dmarc.co.test"] = "v=DMARC1; p=none; psd=y",

            // Signed by the parent's key, SPF not passing, and a policy that wants the From domain itself in d=.
            ["news.strict.example"] = "v=spf1 -all",
            ["s3._domainkey.strict.example"] = DkimRecords.Rsa(strict),
            ["_dmarc.strict.example"] = "v=DMARC1; p=reject; adkim=s",
        };
        using var dns = SimulatedDns.Start(new DnsOptions { Port = 0, Txt = new(txt, StringComparer.OrdinalIgnoreCase) });
        var configuration = Configuration(dns, ("acme.co.test", "s1", acme), ("strict.example", "s3", strict));

        var walked = await SluiceCli.RunAsync(configuration, "check-sender", "mail.acme.co.test", "--json");
        Assert.True(walked.ExitCode == 0, walked.Output + walked.Error);
        using (var report = JsonDocument.Parse(walked.Output))
        {
            Assert.StartsWith("p=reject; DKIM aligned", report.RootElement.GetProperty("dmarc").GetProperty("detail").GetString(), StringComparison.Ordinal);
        }

        var misaligned = await SluiceCli.RunAsync(configuration, "check-sender", "news.strict.example");
        Assert.Equal(4, misaligned.ExitCode);
        Assert.Matches(@"DKIM\s+pass", misaligned.Output);
        Assert.Matches(@"DMARC\s+fail\s+p=reject; DKIM not aligned, SPF not passing", misaligned.Output);
    }

    [Fact]
    public async Task A_name_server_that_does_not_answer_is_not_a_failing_domain()
    {
        using var dns = SimulatedDns.Start(new DnsOptions { Port = 0, Silent = true });
        var run = await SluiceCli.RunAsync(
            [
                new("Providers:Dns:Servers:0", $"127.0.0.1:{dns.Port.ToString(CultureInfo.InvariantCulture)}"),
                new("Providers:Dns:Timeout", "00:00:00.300"),
                new("Smtp:SendingAddresses:0", "203.0.113.7"),
            ],
            "check-sender", "quiet.example");
        Assert.Equal(1, run.ExitCode);
        Assert.Matches(@"SPF\s+error\s+203\.0\.113\.7: temperror", run.Output);
    }

    /// <summary>check-sender's configuration: the simulator's DNS, the relay's sending address 203.0.113.7 and the keys held.</summary>
    private static List<KeyValuePair<string, string?>> Configuration(SimulatedDns dns, params (string Domain, string Selector, RSA Key)[] keys) =>
    [
        new("Providers:Dns:Servers:0", $"127.0.0.1:{dns.Port.ToString(CultureInfo.InvariantCulture)}"),
        new("Smtp:SendingAddresses:0", "203.0.113.7"),
        .. keys.SelectMany((k, i) => new KeyValuePair<string, string?>[]
        {
            new($"Dkim:Keys:{i}:Domain", k.Domain), new($"Dkim:Keys:{i}:Selector", k.Selector), new($"Dkim:Keys:{i}:PrivateKey", k.Key.ExportRSAPrivateKeyPem()),
        }),
    ];
}
