using Sluice.Contracts;
using Sluice.Tests.Infrastructure;

namespace Sluice.Tests.Contract;

public sealed class RoundTripTests
{
    [Fact]
    public void Every_valid_example_survives_deserialize_serialize_deserialize()
    {
        foreach (string file in Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "ContractExamples", "valid"), "*.json"))
        {
            var first = OutboundMailJson.Deserialize(File.ReadAllBytes(file));
            byte[] written = OutboundMailJson.Serialize(first);
            byte[] rewritten = OutboundMailJson.Serialize(OutboundMailJson.Deserialize(written));
            Assert.Equal(written, rewritten);
        }
    }

    [Fact]
    public void Wire_names_are_camel_case_with_string_enums_and_base64_bytes()
    {
        var mail = SampleMail.To("alice@contoso.example") with
        {
            Priority = MailPriority.Bulk,
            Mime = null,
            Attachments = [new MailAttachment { FileName = "a.txt", ContentType = "text/plain", Content = "hi"u8.ToArray() }],
        };
        string json = System.Text.Encoding.UTF8.GetString(OutboundMailJson.Serialize(mail));
        Assert.Contains("\"schemaVersion\":1", json, StringComparison.Ordinal);
        Assert.Contains("\"priority\":\"bulk\"", json, StringComparison.Ordinal);
        Assert.Contains("\"content\":\"aGk=\"", json, StringComparison.Ordinal);
        Assert.Contains("\"createdAt\":\"2026-11-28T09:30:00+00:00\"", json, StringComparison.Ordinal);
        Assert.DoesNotContain("\"mime\"", json, StringComparison.Ordinal);
    }

    [Fact]
    public void Priority_defaults_to_transactional()
    {
        var mail = OutboundMailJson.Deserialize(File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "ContractExamples", "valid", "minimal-text.json")));
        Assert.Equal(MailPriority.Transactional, mail.Priority);
    }
}
