using Sluice.Contracts;
using Sluice.Contracts.Publishing;
using Sluice.Contracts.Validation;
using Sluice.Tests.Infrastructure;

namespace Sluice.Tests.Contract;

public sealed class ValidatorTests
{
    [Theory]
    [InlineData("Alice@Contoso.EXAMPLE", "Alice@contoso.example")]
    [InlineData("jürgen@Bücher.example", "jürgen@xn--bcher-kva.example")]
    [InlineData("info@MÜNCHEN.de", "info@xn--mnchen-3ya.de")]
    [InlineData("x@xn--bcher-kva.example", "x@xn--bcher-kva.example")]
    public void Domains_become_lower_case_punycode_and_local_parts_stay(string address, string expected)
    {
        Assert.Equal(expected, EmailAddressNormalizer.TryNormalize(address, out string? error));
        Assert.Null(error);
    }

    [Theory]
    [InlineData("plainaddress")]
    [InlineData("a@b")]
    [InlineData("a@-bad-.example")]
    [InlineData("Alice <alice@contoso.example>")]
    [InlineData("alice@contoso.example\n")]
    [InlineData("")]
    public void Invalid_addresses_are_refused(string address)
    {
        Assert.Null(EmailAddressNormalizer.TryNormalize(address, out string? error));
        Assert.NotNull(error);
    }

    [Fact]
    public void Violations_name_the_field_as_a_json_path()
    {
        var mail = SampleMail.To("alice@contoso.example", "bob@") with { From = new EmailAddress { Address = "nobody" } };
        var result = OutboundMailValidator.Validate(mail, new ContractLimits());
        Assert.False(result.IsValid);
        Assert.Equal(["from.address", "to[1].address"], result.Violations.Select(v => v.Field));
    }

    [Fact]
    public void Attachment_total_is_capped_by_configuration()
    {
        var mail = SampleMail.To("alice@contoso.example") with
        {
            Attachments =
            [
                new MailAttachment { FileName = "a.bin", ContentType = "application/octet-stream", Content = new byte[600] },
                new MailAttachment { FileName = "b.bin", ContentType = "application/octet-stream", Content = new byte[600] },
            ],
        };
        var limits = new ContractLimits { MaxAttachmentBytes = 1000 };
        var violation = Assert.Single(OutboundMailValidator.Validate(mail, limits).Violations);
        Assert.Equal("attachments", violation.Field);
        Assert.True(OutboundMailValidator.Validate(mail, new ContractLimits { MaxAttachmentBytes = 1200 }).IsValid);
    }

    [Fact]
    public void Recipients_are_capped_by_configuration()
    {
        var mail = SampleMail.To("a@contoso.example", "b@contoso.example", "c@contoso.example");
        Assert.False(OutboundMailValidator.Validate(mail, new ContractLimits { MaxRecipients = 2 }).IsValid);
        Assert.True(OutboundMailValidator.Validate(mail, new ContractLimits { MaxRecipients = 3 }).IsValid);
    }

    [Fact]
    public void ValidateOrThrow_lists_every_violation_in_the_message()
    {
        var mail = SampleMail.To("bob@") with { Subject = null };
        var e = Assert.Throws<InvalidOutboundMailException>(() => OutboundMailValidator.ValidateOrThrow(mail, new ContractLimits()));
        Assert.Contains("to[0].address", e.Message, StringComparison.Ordinal);
        Assert.Contains("subject", e.Message, StringComparison.Ordinal);
        Assert.Equal(2, e.Violations.Count);
    }

    [Fact]
    public void Routing_key_is_the_single_recipient_domain_or_mixed()
    {
        var oneDomain = OutboundMailValidator.ValidateOrThrow(SampleMail.To("a@Bücher.example", "b@xn--bcher-kva.example"), new ContractLimits());
        Assert.Equal("xn--bcher-kva.example", OutboundWire.RoutingKeyFor(oneDomain));

        var twoDomains = OutboundMailValidator.ValidateOrThrow(
            SampleMail.To("a@contoso.example") with { Bcc = [new EmailAddress { Address = "b@fabrikam.example" }] }, new ContractLimits());
        Assert.Equal(OutboundWire.MixedDomainsRoutingKey, OutboundWire.RoutingKeyFor(twoDomains));
    }
}
