using System.CommandLine;
using Sluice.Benchmark;

// sluice-bench: prints the measures described in docs/measurements.md from one run against the local RabbitMQ and the simulator.
// Figures, not pass/fail: the targets are printed beside them.
var domains = new Option<int>("--domains") { Description = "Limited domains in the shaping run.", DefaultValueFactory = _ => 20 };
var perDomain = new Option<int>("--per-domain") { Description = "Messages per domain in the shaping run.", DefaultValueFactory = _ => 1000 };
var limit = new Option<int>("--limit") { Description = "Recipients per window per domain.", DefaultValueFactory = _ => 200 };
var window = new Option<int>("--window-seconds") { Description = "The limit's window.", DefaultValueFactory = _ => 20 };
var connections = new Option<int>("--connections") { Description = "SMTP connections (worker and raw loop).", DefaultValueFactory = _ => 16 };
var ceilingMessages = new Option<int>("--ceiling-messages") { Description = "Messages for the ceiling runs.", DefaultValueFactory = _ => 10_000 };
var memorySmall = new Option<int>("--memory-small") { Description = "Smaller backlog for the memory comparison.", DefaultValueFactory = _ => 10_000 };
var memoryLarge = new Option<int>("--memory-large") { Description = "Larger backlog for the memory comparison (0 skips memory).", DefaultValueFactory = _ => 200_000 };
var edgesBacklog = new Option<int>("--edges-backlog") { Description = "Bulk messages waiting for one partition in the isolation and priority run (0 skips it).", DefaultValueFactory = _ => 100_000 };
var edgesFresh = new Option<int>("--edges-fresh") { Description = "Fresh messages to each of the two partitions (one pair a second) in that run.", DefaultValueFactory = _ => 60 };
var edgesPacing = new Option<string[]>("--edges-pacing")
{
    Description = "Scheduler:Lanes:Pacing values to run the isolation and priority phase with (Even, Burst).",
    AllowMultipleArgumentsPerToken = true,
    DefaultValueFactory = _ => ["Even", "Burst"],
};
var phases = new Option<string[]>("--phases")
{
    Description = "Which phases to run (ceiling, shaping, warm, edges, replicas, mx, memory); all by default.",
    AllowMultipleArgumentsPerToken = true,
    DefaultValueFactory = _ => ["ceiling", "shaping", "warm", "edges", "replicas", "mx", "memory"],
};
var root = new RootCommand("Measure Sluice against the receiving simulator (needs RabbitMQ with the management plugin on localhost).")
{
    domains, perDomain, limit, window, connections, ceilingMessages, memorySmall, memoryLarge, edgesBacklog, edgesFresh, edgesPacing, phases,
};
root.SetAction(async (parse, _) =>
{
    var output = Console.Out;
    var run = parse.GetValue(phases)!.ToHashSet(StringComparer.OrdinalIgnoreCase);
    await output.WriteLineAsync($"sluice-bench on {Environment.ProcessorCount} cores, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC");

    // Each phase prints its figures as it ends (a later phase that fails keeps the earlier ones); the summary repeats them.
    var summary = new List<string> { "measure                          value      target" };
    async Task Report(params string[] lines)
    {
        summary.AddRange(lines);
        foreach (string line in lines)
        {
            await output.WriteLineAsync("  = " + line);
        }
    }

    if (run.Contains("ceiling"))
    {
        await output.WriteLineAsync("ceiling:");
        var (raw, drain, cpuBound) = await CeilingPhase.RunAsync(parse.GetValue(ceilingMessages), parse.GetValue(connections), output);
        await Report($"ceiling (drain / raw MailKit)    {drain / raw,8:0.000}   >= 0.80   ({drain:0} / {raw:0} msg/s)");
        await Report($"  CPU per message (raw / drain)  {cpuBound,8:0.000}   printed  (the ratio a CPU-bound drain reaches here)");
    }

    if (run.Contains("shaping"))
    {
        await output.WriteLineAsync("shaping:");
        var shaping = await ShapingPhase.RunAsync(parse.GetValue(domains), parse.GetValue(perDomain), parse.GetValue(limit),
            TimeSpan.FromSeconds(parse.GetValue(window)), parse.GetValue(connections), output);
        await Report(
            $"fidelity (worst domain)          {shaping.WorstFidelity,8:0.000}   <= 1.00",
            $"utilization (worst / mean)       {shaping.WorstUtilization,5:0.000} / {shaping.MeanUtilization:0.000}   >= 0.97",
            $"churn (worker publishes/deliv.)  {shaping.Churn,8:0.00}   <= 2",
            $"journal writes / delivery        {shaping.JournalRecords,8:0.00}   printed (stream messages: batches of records, two records per transaction)",
            $"refused replies (throttles)      {shaping.RefusedReplies,8}   0",
            $"loss / duplicates                {shaping.Lost,4} / {shaping.Duplicates}   0 / 0   ({shaping.Delivered}/{shaping.Published} delivered)");
    }

    if (run.Contains("warm"))
    {
        await output.WriteLineAsync("shaping, warm-up on (every limit ramps over its window at the start):");
        var warm = await ShapingPhase.RunAsync(parse.GetValue(domains), parse.GetValue(perDomain), parse.GetValue(limit),
            TimeSpan.FromSeconds(parse.GetValue(window)), parse.GetValue(connections), output, warmUp: true);
        await Report(
            $"warm-up on: fidelity / util.     {warm.WorstFidelity,8:0.000} / {warm.WorstUtilization:0.000} (mean {warm.MeanUtilization:0.000})   <= 1.00 / printed (the ramp holds the start back)",
            $"warm-up on: churn                {warm.Churn,8:0.00}   <= 2   ({warm.Lost} lost, {warm.Duplicates} duplicates)");
    }

    foreach (string pacing in run.Contains("edges") && parse.GetValue(edgesBacklog) > 0 ? parse.GetValue(edgesPacing)! : [])
    {
        await output.WriteLineAsync($"isolation and priority beside a backlog, lanes paced {pacing}:");
        var e = await EdgesPhase.RunAsync(parse.GetValue(edgesBacklog), parse.GetValue(edgesFresh), parse.GetValue(connections), pacing, output);
        await Report(
            $"isolation ({pacing}): other p99    {e.IsolationP99,8:0.00} s <= {e.IsolationBound:0.00} s (its permit spacing + 1 s)",
            $"priority ({pacing}): transact. p99 {e.PriorityP99,8:0.00} s <= {e.PriorityBound:0.00} s (beside the bulk backlog; {e.BulkDelivered} bulk delivered meanwhile)");
    }

    if (run.Contains("replicas"))
    {
        await output.WriteLineAsync("replicas (unlimited drain over four egresses):");
        double one = await ReplicasPhase.RunAsync(1, parse.GetValue(ceilingMessages), parse.GetValue(connections), output);
        double two = await ReplicasPhase.RunAsync(2, parse.GetValue(ceilingMessages), parse.GetValue(connections), output);
        await Report($"replicas (2 workers / 1)         {two / one,8:0.000}   printed   ({two:0} / {one:0} msg/s; both in this process, on {Environment.ProcessorCount} cores)");
    }

    if (run.Contains("mx"))
    {
        await output.WriteLineAsync("direct to MX hosts vs through a smarthost (unlimited drain, 100 domains on two mail hosts):");
        var (relay, mx, sessions) = await MxPhase.RunAsync(parse.GetValue(ceilingMessages), parse.GetValue(connections), output);
        await Report($"mx (direct / relay drain)        {mx / relay,8:0.000}   printed   ({mx:0} / {relay:0} msg/s; {sessions:0.000} SMTP sessions per message)");
    }

    if (run.Contains("memory") && parse.GetValue(memoryLarge) > 0)
    {
        await output.WriteLineAsync("memory:");
        var small = await MemoryPhase.RunAsync(parse.GetValue(memorySmall), output);
        var large = await MemoryPhase.RunAsync(parse.GetValue(memoryLarge), output);
        await Report($"memory (RSS large / small)       {(double)large.RssKiB / small.RssKiB,8:0.000}   <= 1.20   ({large.RssKiB / 1024.0:0.0} / {small.RssKiB / 1024.0:0.0} MiB; peak {large.PeakKiB / 1024.0:0.0} / {small.PeakKiB / 1024.0:0.0} MiB)");
    }

    await output.WriteLineAsync();
    foreach (string line in summary)
    {
        await output.WriteLineAsync(line);
    }

    return 0;
});
var size = new Option<int>("--size") { Description = "Messages in the outage backlog.", DefaultValueFactory = _ => 10_000 };
var believed = new Option<double>("--believed") { Description = "The worker's limits as a multiple of the receivers' true limits (2: it must learn them).", DefaultValueFactory = _ => 1.0 };
var outage = new Option<int>("--outage-seconds") { Description = "How long the smarthost stays down while the backlog piles up.", DefaultValueFactory = _ => 60 };
var restart = new Option<bool>("--restart-before-return") { Description = "SIGKILL the worker and start a new one 10 s before the smarthost returns." };
var kills = new Option<int>("--kills") { Description = "SIGKILL the owning worker this many times while it drains; a standby takes over each time." };
var demo = new Command("demo", "The outage story: a backlog builds while the smarthost is down, then Sluice drains it into receivers with hidden limits; live progress and a final report.")
{
    size, believed, outage, restart, kills,
};
demo.SetAction((parse, _) => DemoRun.RunAsync(
    parse.GetValue(size), parse.GetValue(believed), TimeSpan.FromSeconds(parse.GetValue(outage)), parse.GetValue(restart), parse.GetValue(kills), Console.Out));
root.Subcommands.Add(demo);
return await root.Parse(args).InvokeAsync();
