using Sluice.Contracts.Validation;
using Sluice.Tests.Infrastructure;

namespace Sluice.Tests.Contract;

/// <summary>Fields a producer may not set, and the size cap of every part a producer controls.</summary>
public sealed class ProtectedFieldAndSizeTests
{
    public static TheoryData<string> Protected =>
    [
        .. ProtectedHeaders.Rendered, .. ProtectedHeaders.Trace,
        "FROM", "message-id", "Content-Type", "content-transfer-encoding", "Resent-From", "ARC-Seal", "arc-authentication-results",
    ];

    [Theory]
    [MemberData(nameof(Protected))]
    public void A_protected_field_in_headers_is_refused_naming_it(string field)
    {
        var mail = SampleMail.To("alice@contoso.example") with { Headers = new Dictionary<string, string> { [field] = "x" } };
        var violation = Assert.Single(OutboundMailValidator.Validate(mail, new ContractLimits()).Violations);
        Assert.Equal($"headers.{field}", violation.Field);
        Assert.Contains("protected", violation.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("In-Reply-To")]
    [InlineData("References")]
    [InlineData("List-Unsubscribe")]
    [InlineData("X-Ticket-Id")]
    public void Fields_a_ticketing_producer_needs_are_allowed(string field)
    {
        var mail = SampleMail.To("alice@contoso.example") with { Headers = new Dictionary<string, string> { [field] = "<4711@tickets.example>\tok" } };
        Assert.True(OutboundMailValidator.Validate(mail, new ContractLimits()).IsValid);
    }

    [Theory]
    [InlineData("a\u0000b")]
    [InlineData("a\u001bb")]
    [InlineData("a\u007f")]
    [InlineData("a\rb")]
    public void A_header_value_with_a_control_character_is_refused(string value)
    {
        var mail = SampleMail.To("alice@contoso.example") with { Headers = new Dictionary<string, string> { ["X-Note"] = value } };
        Assert.False(OutboundMailValidator.Validate(mail, new ContractLimits()).IsValid);
    }

    [Fact]
    public void Every_part_a_producer_controls_has_a_configurable_cap()
    {
        var limits = new ContractLimits { MaxSubjectChars = 10, MaxTextBytes = 10, MaxHtmlBytes = 10, MaxHeaderBytes = 20 };
        var within = SampleMail.To("alice@contoso.example") with { Subject = "0123456789", Text = "0123456789", Html = "<p>ü</p>", Headers = new Dictionary<string, string> { ["X-A"] = "0123456789" } };
        Assert.True(OutboundMailValidator.Validate(within, limits).IsValid);

        var over = within with { Subject = "0123456789x", Text = "0123456789x", Html = "<p>üü</p>", Headers = new Dictionary<string, string> { ["X-A"] = "0123456789", ["X-B"] = "01234" } };
        Assert.Equal(["subject", "text", "html", "headers"], OutboundMailValidator.Validate(over, limits).Violations.Select(v => v.Field));
    }

    [Fact]
    public void A_subject_with_a_line_break_is_refused()
    {
        var mail = SampleMail.To("alice@contoso.example") with { Subject = "hello\r\nBcc: everyone@example.com" };
        Assert.Equal("subject", Assert.Single(OutboundMailValidator.Validate(mail, new ContractLimits()).Violations).Field);
    }
}
