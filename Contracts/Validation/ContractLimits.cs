using System.ComponentModel.DataAnnotations;

namespace Sluice.Contracts.Validation;

/// <summary>
/// Size caps that depend on configuration (configuration section <c>Contract</c>). Every part of a
/// message a producer controls has one, so no message can exhaust the worker's memory or push a broker
/// frame over its limit.
/// </summary>
public sealed class ContractLimits
{
    public const string SectionName = "Contract";

    /// <summary>The published JSON body as a whole, checked before it is parsed.</summary>
    [Range(1024, int.MaxValue)]
    public int MaxMessageBytes { get; set; } = 40 * 1024 * 1024;

    /// <summary>Sum of all attachments' decoded bytes. Most receivers refuse messages above 25-35 MB.</summary>
    [Range(0, int.MaxValue)]
    public int MaxAttachmentBytes { get; set; } = 20 * 1024 * 1024;

    /// <summary>Decoded size of a producer-rendered <c>mime</c> message.</summary>
    [Range(0, int.MaxValue)]
    public int MaxMimeBytes { get; set; } = 25 * 1024 * 1024;

    /// <summary>UTF-8 bytes of <c>text</c>.</summary>
    [Range(0, int.MaxValue)]
    public int MaxTextBytes { get; set; } = 5 * 1024 * 1024;

    /// <summary>UTF-8 bytes of <c>html</c>.</summary>
    [Range(0, int.MaxValue)]
    public int MaxHtmlBytes { get; set; } = 5 * 1024 * 1024;

    /// <summary>Characters of <c>subject</c> (998 is RFC 5322's longest line).</summary>
    [Range(1, 100_000)]
    public int MaxSubjectChars { get; set; } = 998;

    /// <summary>UTF-8 bytes of every <c>headers</c> name and value together.</summary>
    [Range(0, 1024 * 1024)]
    public int MaxHeaderBytes { get; set; } = 16 * 1024;

    /// <summary>Recipients (To + Cc + Bcc) in one message.</summary>
    [Range(1, 10_000)]
    public int MaxRecipients { get; set; } = 500;
}
