using SmtpServer;
using SmtpServer.Mail;
using SmtpServer.Protocol;
using SmtpServer.Storage;

namespace Sluice.Simulator;

/// <summary>Answers RCPT TO from the <see cref="ReplyPolicy"/> and records the reply.</summary>
internal sealed class RecordingMailboxFilter(ReplyPolicy policy, ReceivingSimulator simulator) : IMailboxFilter
{
    public Task<bool> CanAcceptFromAsync(ISessionContext context, IMailbox from, int size, CancellationToken cancellationToken) =>
        Task.FromResult(true);

    public Task<bool> CanDeliverToAsync(ISessionContext context, IMailbox to, IMailbox from, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(to);
        string recipient = to.AsAddress().ToLowerInvariant();
        var (reply, partition) = policy.Decide(recipient);
        simulator.Record(new ReplyRecord(simulator.Time.GetUtcNow(), ReplyRecord.RcptStage, recipient, partition, reply.Code, reply.ToString()));
        if (!reply.IsAccepted)
        {
            throw new SmtpResponseException(new SmtpResponse((SmtpReplyCode)reply.Code, reply.Text));
        }

        return Task.FromResult(true);
    }
}
