using System.Buffers;
using MimeKit;
using SmtpServer;
using SmtpServer.Mail;
using SmtpServer.Protocol;
using SmtpServer.Storage;

namespace Sluice.Simulator;

/// <summary>Accepts every message whose recipients were accepted and records one delivery per recipient.</summary>
internal sealed class RecordingMessageStore(ReceivingSimulator simulator, ReplyPolicy policy, DkimCheck dkim) : IMessageStore
{
    public Task<SmtpResponse> SaveAsync(ISessionContext context, IMessageTransaction transaction, ReadOnlySequence<byte> buffer, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(transaction);
        string? user = context.Authentication.IsAuthenticated ? context.Authentication.User : null;
        string? messageId = ReadMessageId(buffer);
        string? signatures = dkim.Verify(buffer);
        var at = simulator.Time.GetUtcNow();
        string? client = context.Properties.TryGetValue(NoDelayEndpointListenerFactory.ConnectionKey, out object? tcp)
            ? (((System.Net.Sockets.TcpClient)tcp).Client.RemoteEndPoint as System.Net.IPEndPoint)?.Address.ToString()
            : null;
        foreach (var to in transaction.To)
        {
            string recipient = to.AsAddress().ToLowerInvariant();
            simulator.Record(new ReplyRecord(at, ReplyRecord.DataStage, recipient, to.Host.ToLowerInvariant(), 250, "250 2.0.0 Queued", messageId, user, client, signatures));
        }

        if (transaction.To.Any(to => policy.HangsUpAfterData(to.Host))
            && context.Properties.TryGetValue(NoDelayEndpointListenerFactory.ConnectionKey, out object? connection))
        {
            // Stored, but the connection is cut before the reply: the sender cannot know.
            ((System.Net.Sockets.TcpClient)connection).Client.Close(0);
        }

        return Task.FromResult(SmtpResponse.Ok);
    }

    private static string? ReadMessageId(ReadOnlySequence<byte> buffer)
    {
        using var stream = new MemoryStream(buffer.ToArray());
        var headers = HeaderList.Load(stream);
        return headers[HeaderId.MessageId]?.Trim();
    }
}
