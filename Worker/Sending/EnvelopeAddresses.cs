using MimeKit;

namespace Sluice.Worker.Sending;

/// <summary>
/// Whether MailKit can put an address on the wire (MAIL FROM / RCPT TO). The contract only accepts
/// addresses that parse, so this refuses only what slipped past an older contract or a hand-made
/// message; such a recipient fails alone instead of taking the message's other recipients with it.
/// </summary>
public static class EnvelopeAddresses
{
    public static bool IsSendable(string address)
    {
        try
        {
            _ = new MailboxAddress(string.Empty, address);
            return true;
        }
        catch (ParseException)
        {
            return false;
        }
    }
}
