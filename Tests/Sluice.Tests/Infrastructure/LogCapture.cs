using Microsoft.Extensions.Logging;

namespace Sluice.Tests.Infrastructure;

/// <summary>Keeps every log line of an in-process worker, so a test can wait for an event the worker reports.</summary>
public sealed class LogCapture : ILoggerProvider
{
    private readonly Lock _gate = new();
    private readonly List<string> _lines = [];
    private readonly List<(string Text, int Times, TaskCompletionSource Seen)> _waiters = [];

    public IReadOnlyList<string> Lines
    {
        get
        {
            lock (_gate)
            {
                return [.. _lines];
            }
        }
    }

    /// <summary>Completes when a line containing <paramref name="text"/> has been logged (at or after the call, or before).</summary>
    public Task WaitForAsync(string text, TimeSpan hangGuard) => WaitForAsync(text, 1, hangGuard);

    /// <summary>Completes when <paramref name="times"/> lines containing <paramref name="text"/> have been logged.</summary>
    public Task WaitForAsync(string text, int times, TimeSpan hangGuard)
    {
        lock (_gate)
        {
            if (_lines.Count(l => l.Contains(text, StringComparison.Ordinal)) >= times)
            {
                return Task.CompletedTask;
            }

            var seen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((text, times, seen));
            return seen.Task.WaitAsync(hangGuard);
        }
    }

    /// <summary>Lines logged containing <paramref name="text"/>.</summary>
    public int Count(string text) => Lines.Count(l => l.Contains(text, StringComparison.Ordinal));

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose()
    {
    }

    private void Add(string line)
    {
        lock (_gate)
        {
            _lines.Add(line);
            foreach (var waiter in _waiters.Where(w => _lines.Count(l => l.Contains(w.Text, StringComparison.Ordinal)) >= w.Times).ToList())
            {
                waiter.Seen.TrySetResult();
                _waiters.Remove(waiter);
            }
        }
    }

    private sealed class Logger(LogCapture capture, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            ArgumentNullException.ThrowIfNull(formatter);
            if (IsEnabled(logLevel))
            {
                capture.Add($"{logLevel}: {category}: {formatter(state, exception)}" + (exception is null ? string.Empty : $" [{exception.GetType().Name}]"));
            }
        }
    }
}
