using System.Diagnostics;
using System.Globalization;

namespace Sluice.Benchmark;

/// <summary>
/// CPU time spent since a mark, by this process (the worker and the simulators run in it) and by the local broker
/// (the Erlang VM, <c>beam.smp</c>, read from /proc): on a machine where the broker, the worker and the receiver share
/// the cores, CPU time per message says where a drain's time goes, which a rate alone cannot.
/// </summary>
internal sealed class CpuMeter
{
    private readonly TimeSpan _process;
    private readonly TimeSpan? _broker;

    private CpuMeter(TimeSpan process, TimeSpan? broker) => (_process, _broker) = (process, broker);

    public static CpuMeter Mark() => new(ProcessCpu(), BrokerCpu());

    /// <summary>CPU used since the mark: this process's, and the broker's (null where /proc or the broker cannot be read).</summary>
    public (TimeSpan Process, TimeSpan? Broker) Since() => (ProcessCpu() - _process, BrokerCpu() - _broker);

    private static TimeSpan ProcessCpu()
    {
        using var self = Process.GetCurrentProcess();
        return self.TotalProcessorTime;
    }

    private static TimeSpan? BrokerCpu()
    {
        if (!Directory.Exists("/proc"))
        {
            return null;
        }

        foreach (string dir in Directory.EnumerateDirectories("/proc"))
        {
            try
            {
                if (File.ReadAllText(Path.Combine(dir, "comm")).Trim() != "beam.smp")
                {
                    continue;
                }

                // /proc/PID/stat: fields 14 and 15 (utime, stime) in clock ticks, after the parenthesised command name.
                string stat = File.ReadAllText(Path.Combine(dir, "stat"));
                string[] fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                long ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
                return TimeSpan.FromSeconds(ticks / 100.0); // USER_HZ is 100 on Linux
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
            {
                // A process that ended while it was read, or not ours to read.
            }
        }

        return null;
    }
}
