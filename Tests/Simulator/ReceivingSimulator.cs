using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using SmtpServer;
using SmtpServer.Authentication;
using SmtpServer.ComponentModel;

namespace Sluice.Simulator;

/// <summary>
/// A real SMTP server on loopback that answers like a receiving provider would (limits, throttles,
/// bans, unknown users, greylisting; see <see cref="DomainRule"/>) and records every reply it gives.
/// Tests and benchmarks judge Sluice from <see cref="Records"/>, never from the worker's own counters.
/// </summary>
public sealed class ReceivingSimulator : IAsyncDisposable
{
    private static readonly JsonSerializerOptions RecordJson = new(JsonSerializerDefaults.Web);

    private readonly ConcurrentQueue<ReplyRecord> _records = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Lock _fileGate = new();
    private readonly StreamWriter? _recordFile;
    private readonly Task _serving;
    private TaskCompletionSource _changed = NewSignal();
    private int _delivered;
    private int _sessions;
    private int _ended;

    private ReceivingSimulator(SimulatorOptions options, TimeProvider time)
    {
        Port = options.Port == 0 ? FreeLoopbackPort() : options.Port;
        Time = time;
        if (options.RecordPath is not null)
        {
            _recordFile = new StreamWriter(options.RecordPath, append: true);
        }

        var policy = new ReplyPolicy(options.Rules, time);
        var serverOptions = new SmtpServerOptionsBuilder()
            .ServerName(options.ServerName)
            .Endpoint(e =>
            {
                e.Endpoint(new IPEndPoint(IPAddress.Parse(options.Address), Port)).AllowUnsecureAuthentication(options.Users is not null);
                if (options.Certificate is { } certificate)
                {
                    e.Certificate(certificate);
                }
            })

            // The SmtpServer package ends a session after this many error replies and appends
            // ", N retry(ies) remaining." to each; a provider's edge does neither, so allow (nearly) unlimited.
            .MaxRetryCount(int.MaxValue);
        if (options.IdleTimeout is { } idle)
        {
            serverOptions = serverOptions.CommandWaitTimeout(idle);
        }

        var services = new ServiceProvider();
        services.Add(new RecordingMailboxFilter(policy, this));
        services.Add(new RecordingMessageStore(this, policy, new DkimCheck(options.DkimKeys)));
        services.Add(new NoDelayEndpointListenerFactory());
        if (options.Users is { } users)
        {
            services.Add(new DelegatingUserAuthenticator((user, password) => users.TryGetValue(user, out string? expected) && expected == password));
        }

        var server = new SmtpServer.SmtpServer(serverOptions.Build(), services);
        server.SessionCreated += (_, _) =>
        {
            Interlocked.Increment(ref _sessions);
            Interlocked.Exchange(ref _changed, NewSignal()).TrySetResult();
        };
        server.SessionCompleted += (_, _) => SessionEnded();
        server.SessionFaulted += (_, _) => SessionEnded();
        server.SessionCancelled += (_, _) => SessionEnded();
        _serving = server.StartAsync(_stop.Token);
    }

    /// <summary>SMTP sessions that have ended, whoever ended them.</summary>
    public int EndedSessionCount => Volatile.Read(ref _ended);

    private void SessionEnded()
    {
        Interlocked.Increment(ref _ended);
        Interlocked.Exchange(ref _changed, NewSignal()).TrySetResult();
    }

    public int Port { get; }

    public TimeProvider Time { get; }

    /// <summary>Every reply so far, in the order given.</summary>
    public IReadOnlyCollection<ReplyRecord> Records => _records;

    /// <summary>Recipients whose message was stored (data stage).</summary>
    public int DeliveredCount => Volatile.Read(ref _delivered);

    /// <summary>SMTP sessions (connections) opened so far, whatever became of them.</summary>
    public int SessionCount => Volatile.Read(ref _sessions);

    public static ReceivingSimulator Start(SimulatorOptions options, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        return new ReceivingSimulator(options, time ?? TimeProvider.System);
    }

    /// <summary>Waits until <paramref name="condition"/> holds for the record; the guard only prevents a hang.</summary>
    public async Task WaitUntilAsync(Func<ReceivingSimulator, bool> condition, TimeSpan hangGuard)
    {
        ArgumentNullException.ThrowIfNull(condition);
        using var timeout = new CancellationTokenSource(hangGuard);
        while (true)
        {
            var changed = Volatile.Read(ref _changed).Task;
            if (condition(this))
            {
                return;
            }

            try
            {
                await changed.WaitAsync(timeout.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"The simulator's record did not reach the expected state within {hangGuard} ({DeliveredCount} delivered, {_records.Count} replies).");
            }
        }
    }

    internal void Record(ReplyRecord record)
    {
        _records.Enqueue(record);
        if (record.Stage == ReplyRecord.DataStage)
        {
            Interlocked.Increment(ref _delivered);
        }

        if (_recordFile is not null)
        {
            string line = JsonSerializer.Serialize(record, RecordJson);
            lock (_fileGate)
            {
                _recordFile.WriteLine(line);
                _recordFile.Flush();
            }
        }

        Interlocked.Exchange(ref _changed, NewSignal()).TrySetResult();
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        try
        {
            await _serving.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Stopping is what was asked for.
        }

        if (_recordFile is not null)
        {
            await _recordFile.DisposeAsync().ConfigureAwait(false);
        }

        _stop.Dispose();
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    public static int FreeLoopbackPort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }
}
