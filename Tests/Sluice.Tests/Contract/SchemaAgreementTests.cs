using System.Text.Json;
using System.Text.Json.Nodes;
using Json.Schema;
using Sluice.Contracts;
using Sluice.Contracts.Validation;
using Sluice.Tests.Infrastructure;

namespace Sluice.Tests.Contract;

/// <summary>
/// The checked-in JSON Schema and the C# contract (strict deserialisation + validator) must say the
/// same about every example: valid examples pass both, invalid examples fail both.
/// </summary>
public sealed class SchemaAgreementTests
{
    private const string SchemaPath = "Contracts/Schema/outbound-mail.v1.schema.json";
    private static readonly JsonSchema Schema = JsonSchema.FromText(RepositoryFiles.ReadAllText(SchemaPath));
    private static readonly EvaluationOptions Strict = new() { RequireFormatValidation = true };

    public static TheoryData<string> ValidExamples => Examples("valid");

    public static TheoryData<string> InvalidExamples => Examples("invalid");

    [Theory]
    [MemberData(nameof(ValidExamples))]
    public void Valid_examples_pass_the_schema_and_the_csharp_contract(string file)
    {
        string json = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "ContractExamples", file));
        Assert.True(SchemaAccepts(json), $"schema rejects {file}: {SchemaErrors(json)}");
        Assert.Null(CSharpRejection(json));
    }

    [Theory]
    [MemberData(nameof(InvalidExamples))]
    public void Invalid_examples_fail_the_schema_and_the_csharp_contract(string file)
    {
        string json = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "ContractExamples", file));
        Assert.False(SchemaAccepts(json), $"schema accepts {file}");
        Assert.NotNull(CSharpRejection(json));
    }

    [Fact]
    public void Serialized_mail_passes_the_schema()
    {
        var mail = SampleMail.To("alice@contoso.example") with
        {
            Attachments = [new MailAttachment { FileName = "a.pdf", ContentType = "application/pdf", Content = [1, 2, 3] }],
            Priority = MailPriority.Bulk,
        };
        Assert.True(SchemaAccepts(System.Text.Encoding.UTF8.GetString(OutboundMailJson.Serialize(mail))));
    }

    [Fact]
    public void Schema_patterns_are_the_validator_patterns()
    {
        var schema = JsonNode.Parse(RepositoryFiles.ReadAllText(SchemaPath))!;
        Assert.Equal(ContractPatterns.Id + "$", (string?)schema["properties"]!["id"]!["pattern"]);
        Assert.Equal(ContractPatterns.Tenant + "$", (string?)schema["properties"]!["tenant"]!["pattern"]);
        Assert.Equal(ContractPatterns.Egress + "$", (string?)schema["properties"]!["egress"]!["pattern"]);
        Assert.Equal(ContractPatterns.HeaderName + "$", (string?)schema["properties"]!["headers"]!["propertyNames"]!["pattern"]);
        Assert.Equal(ProtectedHeaders.SchemaPattern, (string?)schema["properties"]!["headers"]!["propertyNames"]!["not"]!["pattern"]);
        Assert.Equal(ContractPatterns.HeaderValueForbidden, (string?)schema["properties"]!["headers"]!["additionalProperties"]!["not"]!["pattern"]);
        Assert.Equal(ContractPatterns.Address + "$", (string?)schema["$defs"]!["mailbox"]!["properties"]!["address"]!["pattern"]);
        Assert.Equal(ContractPatterns.ContentType + "$", (string?)schema["$defs"]!["attachment"]!["properties"]!["contentType"]!["pattern"]);
    }

    [Fact]
    public void The_schema_is_embedded_in_the_contracts_assembly_unchanged()
    {
        using var stream = typeof(OutboundMail).Assembly.GetManifestResourceStream("outbound-mail.v1.schema.json");
        Assert.NotNull(stream);
        using var reader = new StreamReader(stream);
        Assert.Equal(RepositoryFiles.ReadAllText(SchemaPath), reader.ReadToEnd());
    }

    private static bool SchemaAccepts(string json)
    {
        using var document = JsonDocument.Parse(json);
        return Schema.Evaluate(document.RootElement, Strict).IsValid;
    }

    private static string SchemaErrors(string json)
    {
        using var document = JsonDocument.Parse(json);
        var results = Schema.Evaluate(document.RootElement, new EvaluationOptions { RequireFormatValidation = true, OutputFormat = OutputFormat.List });
        return string.Join("; ", (results.Details ?? []).Where(d => d.Errors is not null)
            .SelectMany(d => d.Errors!.Select(e => $"{d.InstanceLocation}: {e.Value}")));
    }

    /// <summary>Why C# refuses the JSON, or null when it accepts it.</summary>
    private static string? CSharpRejection(string json)
    {
        try
        {
            var result = OutboundMailValidator.Validate(OutboundMailJson.Deserialize(System.Text.Encoding.UTF8.GetBytes(json)), new ContractLimits());
            return result.IsValid ? null : string.Join("; ", result.Violations);
        }
        catch (JsonException e)
        {
            return e.Message;
        }
    }

    private static TheoryData<string> Examples(string folder)
    {
        var data = new TheoryData<string>();
        foreach (string file in Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "ContractExamples", folder), "*.json").Order(StringComparer.Ordinal))
        {
            data.Add(folder + "/" + Path.GetFileName(file));
        }

        return data;
    }
}
