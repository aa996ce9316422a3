using Sluice.Contracts;

namespace Sluice.Tests.Infrastructure;

/// <summary>Valid contract messages for tests; vary them with <c>with</c>.</summary>
public static class SampleMail
{
    public static OutboundMail To(params string[] recipients) => new()
    {
        SchemaVersion = OutboundMail.CurrentSchemaVersion,
        Id = "test-" + Guid.NewGuid().ToString("N"),
        Tenant = "acme",
        From = new EmailAddress { Address = "support@acme.example", Name = "Acme Support" },
        To = recipients.Select(r => new EmailAddress { Address = r }).ToList(),
        Subject = "Your ticket #4711",
        Text = "We have answered your ticket.",
        CreatedAt = new DateTimeOffset(2026, 11, 28, 9, 30, 0, TimeSpan.Zero),
    };
}
