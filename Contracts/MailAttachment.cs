namespace Sluice.Contracts;

/// <summary>A file attached to a rendered message. On the wire <see cref="Content"/> is base64.</summary>
public sealed record MailAttachment
{
    public required string FileName { get; init; }

    /// <summary>MIME type, e.g. <c>application/pdf</c>.</summary>
    public required string ContentType { get; init; }

    /// <summary>The file's bytes (base64 in JSON).</summary>
    public required byte[] Content { get; init; }
}
