namespace Sluice.Contracts.Publishing;

/// <summary>
/// The broker did not take responsibility for a message: it was unroutable, refused (nack), not
/// confirmed within the deadline, or the broker could not be reached. The message may be published again.
/// </summary>
public sealed class MailPublishException : Exception
{
    public MailPublishException()
    {
    }

    public MailPublishException(string message)
        : base(message)
    {
    }

    public MailPublishException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
