using System.Globalization;

namespace Sluice.Worker.Broker;

/// <summary>Reads one entry of <c>Broker:Hosts</c>: <c>host</c>, <c>host:port</c> or <c>[ipv6]:port</c>.</summary>
public static class BrokerHosts
{
    public static (string Host, int Port) Parse(string entry, int defaultPort)
    {
        ArgumentNullException.ThrowIfNull(entry);
        string text = entry.Trim();
        if (text.StartsWith('['))
        {
            int close = text.IndexOf(']', StringComparison.Ordinal);
            string host = text[1..close];
            return text.Length > close + 2 && text[close + 1] == ':' ? (host, Port(text[(close + 2)..])) : (host, defaultPort);
        }

        int colon = text.LastIndexOf(':');
        return colon > 0 && text.IndexOf(':', StringComparison.Ordinal) == colon ? (text[..colon], Port(text[(colon + 1)..])) : (text, defaultPort);
    }

    private static int Port(string text) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int port) && port is > 0 and < 65536
            ? port
            : throw new FormatException($"'{text}' is not a port");
}
