using System.Text;
using System.Text.Json;
using Sluice.Contracts;
using Sluice.Contracts.Validation;
using Sluice.Worker.Sending;

namespace Sluice.Tests.Contract;

/// <summary>One address grammar: whatever the contract accepts, MimeKit parses and SMTP can carry.</summary>
public sealed class AddressGrammarTests
{
    [Theory]
    [InlineData("o'brien@x.example")]
    [InlineData("a+tag@x.example")]
    [InlineData("{x}|~=?^_`@x.example")]
    [InlineData("first.middle.last@x.example")]
    [InlineData("jürgen@bücher.example")]
    [InlineData("用户@例子.example")]
    [InlineData("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa@x.example")]
    public void Unusual_but_valid_addresses_are_accepted_and_sendable(string address)
    {
        string? normalized = EmailAddressNormalizer.TryNormalize(address, out string? error);
        Assert.True(normalized is not null, error);
        Assert.True(EnvelopeAddresses.IsSendable(normalized));
    }

    [Theory]
    [InlineData("a\u0000b@x.example")]
    [InlineData("a\u001bb@x.example")]
    [InlineData("a\u007fb@x.example")]
    [InlineData("a\u0085b@x.example")]
    [InlineData("a\u200bb@x.example")]
    [InlineData(".a..b.@x.example")]
    [InlineData(".a@x.example")]
    [InlineData("a.@x.example")]
    [InlineData("a..b@x.example")]
    [InlineData("a b@x.example")]
    [InlineData("\"quoted\"@x.example")]
    [InlineData("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa@x.example")]
    public void Addresses_smtp_cannot_carry_unquoted_are_refused(string address)
    {
        Assert.Null(EmailAddressNormalizer.TryNormalize(address, out string? error));
        Assert.DoesNotContain('\u0000', error!);
    }

    [Fact]
    public void An_address_longer_than_smtp_carries_is_refused()
    {
        string domain = string.Join('.', Enumerable.Repeat(new string('d', 63), 3)) + "." + new string('d', 52) + ".example";
        Assert.Equal(EmailAddressNormalizer.MaxLength, ("a@" + domain).Length);
        Assert.NotNull(EmailAddressNormalizer.TryNormalize("a@" + domain, out _));
        Assert.Null(EmailAddressNormalizer.TryNormalize("ab@" + domain, out string? error));
        Assert.Contains("254", error, StringComparison.Ordinal);
    }

    /// <summary>
    /// Local parts drawn at random (fixed seed) from letters, every atext symbol, dots, spaces, quotes,
    /// controls and non-ASCII: every one the contract accepts must be sendable.
    /// </summary>
    [Fact]
    public void Every_local_part_the_contract_accepts_is_sendable()
    {
        const string pool = "aZ09!#$%&'*+-/=?^_`{|}~..\"(),:;<>@[\\] \t\u0000\u0001\u001b\u007f\u0080\u0085\u00a0\u00e9\u00fc\u200b\u2028\u3000\ufeff\u4e2d\U0001F600";
        var random = new Random(20261203);
        var runes = pool.EnumerateRunes().ToArray();
        int accepted = 0;
        for (int i = 0; i < 5000; i++)
        {
            var local = new StringBuilder();
            for (int n = random.Next(1, 12); n > 0; n--)
            {
                local.Append(runes[random.Next(runes.Length)].ToString());
            }

            if (EmailAddressNormalizer.TryNormalize(local + "@x.example", out _) is { } address)
            {
                accepted++;
                Assert.True(EnvelopeAddresses.IsSendable(address), $"accepted but not sendable: {PrintableText.Escape(address)}");
            }
        }

        Assert.InRange(accepted, 50, 5000);
    }

    [Fact]
    public void Every_address_in_the_valid_examples_is_sendable()
    {
        var files = Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "ContractExamples", "valid"), "*.json");
        Assert.NotEmpty(files);
        foreach (string file in files)
        {
            var mail = OutboundMailValidator.ValidateOrThrow(OutboundMailJson.Deserialize(File.ReadAllBytes(file)), new ContractLimits());
            Assert.All(mail.AllRecipients().Append(mail.From), a => Assert.True(EnvelopeAddresses.IsSendable(a.Address), $"{file}: {a.Address}"));
        }
    }

    [Fact]
    public void The_refusal_of_an_address_with_a_line_break_does_not_carry_the_line_break()
    {
        var mail = JsonSerializer.Serialize(new { address = "evil\r\nX-Injected: 1@x.example" });
        Assert.Null(EmailAddressNormalizer.TryNormalize(JsonDocument.Parse(mail).RootElement.GetProperty("address").GetString(), out string? error));
        Assert.DoesNotContain('\n', error!);
        Assert.Contains("\\u000a", error, StringComparison.Ordinal);
    }
}
