using System.ComponentModel.DataAnnotations;

namespace Sluice.Contracts.Validation;

/// <summary>Size caps that depend on configuration (configuration section <c>Contract</c>).</summary>
public sealed class ContractLimits
{
    public const string SectionName = "Contract";

    /// <summary>Sum of all attachments' decoded bytes. Most receivers refuse messages above 25-35 MB.</summary>
    [Range(0, int.MaxValue)]
    public int MaxAttachmentBytes { get; set; } = 20 * 1024 * 1024;

    /// <summary>Decoded size of a producer-rendered <c>mime</c> message.</summary>
    [Range(0, int.MaxValue)]
    public int MaxMimeBytes { get; set; } = 25 * 1024 * 1024;

    /// <summary>Recipients (To + Cc + Bcc) in one message.</summary>
    [Range(1, 10_000)]
    public int MaxRecipients { get; set; } = 500;
}
