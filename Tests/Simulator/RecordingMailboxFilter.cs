using SmtpServer;
using SmtpServer.Mail;
using SmtpServer.Protocol;
using SmtpServer.Storage;

namespace Sluice.Simulator;

/// <summary>Answers RCPT TO from the <see cref="ReplyPolicy"/> and records the reply.</summary>
internal sealed class RecordingMailboxFilter(ReplyPolicy policy, ReceivingSimulator simulator) : IMailboxFilter
{
    // Recipients accepted in the session's current transaction (SmtpServer does not expose the transaction here).
    private const string AcceptedKey = "sluice.accepted-in-transaction";

    public Task<bool> CanAcceptFromAsync(ISessionContext context, IMailbox from, int size, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        context.Properties[AcceptedKey] = 0;
        return Task.FromResult(true);
    }

    public Task<bool> CanDeliverToAsync(ISessionContext context, IMailbox to, IMailbox from, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(to);
        string recipient = to.AsAddress().ToLowerInvariant();
        int accepted = context.Properties.TryGetValue(AcceptedKey, out var count) ? (int)count : 0;
        var (reply, partition) = policy.Decide(recipient, accepted);
        simulator.Record(new ReplyRecord(simulator.Time.GetUtcNow(), ReplyRecord.RcptStage, recipient, partition, reply.Code, reply.ToString()));
        if (!reply.IsAccepted)
        {
            throw new SmtpResponseException(new SmtpResponse((SmtpReplyCode)reply.Code, reply.Text));
        }

        context.Properties[AcceptedKey] = accepted + 1;
        return Task.FromResult(true);
    }
}
