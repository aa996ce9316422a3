using System.Net;
using System.Net.Sockets;
using ARSoft.Tools.Net;
using ARSoft.Tools.Net.Dns;

namespace Sluice.Simulator;

/// <summary>
/// A real DNS server on loopback (ARSoft.Tools.Net, UDP and TCP) answering MX queries from
/// <see cref="DnsOptions.Mx"/> and TXT queries from <see cref="DnsOptions.Txt"/>, so provider resolution and sender
/// checks are tested over the wire, not against a fake.
/// </summary>
public sealed class SimulatedDns : IDisposable
{
    private readonly DnsOptions _options;
    private readonly DnsServer _server;
    private readonly Lock _gate = new();
    private readonly List<(int Count, TaskCompletionSource Reached)> _waiters = [];
    private int _queries;

    private SimulatedDns(DnsOptions options)
    {
        _options = options;
        Port = options.Port == 0 ? FreeLoopbackPort() : options.Port;
        var endpoint = new IPEndPoint(IPAddress.Loopback, Port);
        _server = new DnsServer([new UdpServerTransport(endpoint, 1000), new TcpServerTransport(endpoint, 1000, 1000)]);
        _server.QueryReceived += AnswerAsync;
        _server.Start();
    }

    public int Port { get; }

    /// <summary>Queries received so far (a resolver's cache shows as fewer queries than lookups).</summary>
    public int Queries => Volatile.Read(ref _queries);

    public static SimulatedDns Start(DnsOptions options) => new(options);

    /// <summary>
    /// Completes once <paramref name="count"/> queries have arrived: a resolver that gave up waiting may have
    /// sent its query before the server has counted it.
    /// </summary>
    public Task WaitForQueriesAsync(int count, TimeSpan guard)
    {
        lock (_gate)
        {
            if (Queries >= count)
            {
                return Task.CompletedTask;
            }

            var reached = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((count, reached));
            return reached.Task.WaitAsync(guard);
        }
    }

    public void Dispose()
    {
        _server.Stop();
    }

    private Task AnswerAsync(object sender, QueryReceivedEventArgs e)
    {
        lock (_gate)
        {
            int queries = Interlocked.Increment(ref _queries);
            foreach (var waiter in _waiters.Where(w => w.Count <= queries).ToList())
            {
                waiter.Reached.TrySetResult();
                _waiters.Remove(waiter);
            }
        }

        if (_options.Silent || e.Query is not DnsMessage { Questions.Count: 1 } query)
        {
            return Task.CompletedTask;
        }

        var response = query.CreateResponseInstance();
        var question = query.Questions[0];
        string domain = question.Name.ToString().TrimEnd('.');
        if (_options.Txt.TryGetValue(domain, out string? txt))
        {
            response.ReturnCode = ReturnCode.NoError;
            if (question.RecordType == RecordType.Txt)
            {
                // Long values (a 2048-bit key) go as several strings of at most 255 characters, as DNS requires.
                response.AnswerRecords.Add(new TxtRecord(question.Name, _options.TxtTimeToLive, txt.Chunk(255).Select(c => new string(c))));
            }

            e.Response = response;
            return Task.CompletedTask;
        }

        if (_options.MxHosts.TryGetValue(domain, out var hosts) || _options.Addresses.ContainsKey(domain))
        {
            // A domain given in full: its MX records (none: the implicit MX) and its addresses.
            response.ReturnCode = ReturnCode.NoError;
            if (question.RecordType == RecordType.Mx)
            {
                foreach (string[] entry in (hosts ?? []).Select(h => h.Split(' ', 2, StringSplitOptions.TrimEntries)))
                {
                    response.AnswerRecords.Add(new MxRecord(question.Name, 300, ushort.Parse(entry[0], System.Globalization.CultureInfo.InvariantCulture), entry[1] == "." ? DomainName.Root : DomainName.Parse(entry[1])));
                }
            }

            foreach (var address in _options.Addresses.GetValueOrDefault(domain) ?? [])
            {
                var ip = IPAddress.Parse(address);
                if (question.RecordType == RecordType.A && ip.AddressFamily == AddressFamily.InterNetwork)
                {
                    response.AnswerRecords.Add(new ARecord(question.Name, 300, ip));
                }
                else if (question.RecordType == RecordType.Aaaa && ip.AddressFamily == AddressFamily.InterNetworkV6)
                {
                    response.AnswerRecords.Add(new AaaaRecord(question.Name, 300, ip));
                }
            }

            e.Response = response;
            return Task.CompletedTask;
        }

        var rule = _options.Mx.FirstOrDefault(r => r.Matches(domain));
        response.ReturnCode = rule is null ? ReturnCode.NxDomain : ReturnCode.NoError;
        if (rule is not null && question.RecordType == RecordType.Mx)
        {
            response.AnswerRecords.Add(new MxRecord(question.Name, rule.TimeToLive, 10, DomainName.Parse(rule.Exchange)));
        }

        e.Response = response;
        return Task.CompletedTask;
    }

    private static int FreeLoopbackPort()
    {
        // A port free for both UDP and TCP at the moment of asking.
        while (true)
        {
            using var udp = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
            int port = ((IPEndPoint)udp.Client.LocalEndPoint!).Port;
            try
            {
                using var tcp = new TcpListener(IPAddress.Loopback, port);
                tcp.Start();
                tcp.Stop();
                return port;
            }
            catch (SocketException)
            {
                // Taken for TCP: try another.
            }
        }
    }
}
