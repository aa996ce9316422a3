using RabbitMQ.Client.Exceptions;
using Sluice.Contracts.Publishing;

namespace Sluice.Worker.Cli;

/// <summary>One line that says what went wrong with the broker, with the innermost cause.</summary>
internal static class BrokerErrors
{
    public static string Describe(Exception e)
    {
        var root = e;
        while (root.InnerException is not null)
        {
            root = root.InnerException;
        }

        return e switch
        {
            BrokerUnreachableException => $"cannot reach the broker: {root.Message} (check Broker:Uri or Broker:HostName, Broker:Port, Broker:Hosts, credentials, TLS)",
            OperationInterruptedException interrupted => $"the broker refused the operation: {interrupted.ShutdownReason?.ReplyText ?? e.Message}",
            MailPublishException => e.Message,
            PublishReturnException returned =>
                $"the broker had nowhere to put it ({returned.ReplyText}, routing key '{returned.RoutingKey}'): declare the topology first (sluice topology declare, or start a worker)",
            PublishException => $"the broker did not take the message ({e.Message}); try again",
            _ => ReferenceEquals(root, e) ? e.Message : $"{e.Message} ({root.Message})",
        };
    }
}
