using System.CommandLine;
using Sluice.Benchmark;

// sluice-bench: prints the measures described in the README's Measured figures from one run against the local RabbitMQ and the simulator.
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
var root = new RootCommand("Measure Sluice against the receiving simulator (needs RabbitMQ with the management plugin on localhost).")
{
    domains, perDomain, limit, window, connections, ceilingMessages, memorySmall, memoryLarge, edgesBacklog, edgesFresh,
};
root.SetAction(async (parse, _) =>
{
    var output = Console.Out;
    await output.WriteLineAsync($"sluice-bench on {Environment.ProcessorCount} cores, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC");

    await output.WriteLineAsync("ceiling:");
    var (raw, drain) = await CeilingPhase.RunAsync(parse.GetValue(ceilingMessages), parse.GetValue(connections), output);

    await output.WriteLineAsync("shaping:");
    var shaping = await ShapingPhase.RunAsync(parse.GetValue(domains), parse.GetValue(perDomain), parse.GetValue(limit),
        TimeSpan.FromSeconds(parse.GetValue(window)), parse.GetValue(connections), output);

    await output.WriteLineAsync("shaping, warm-up on (every limit ramps over its window at the start):");
    var warm = await ShapingPhase.RunAsync(parse.GetValue(domains), parse.GetValue(perDomain), parse.GetValue(limit),
        TimeSpan.FromSeconds(parse.GetValue(window)), parse.GetValue(connections), output, warmUp: true);

    EdgesResult? edges = null;
    if (parse.GetValue(edgesBacklog) > 0)
    {
        await output.WriteLineAsync("isolation and priority beside a backlog:");
        edges = await EdgesPhase.RunAsync(parse.GetValue(edgesBacklog), parse.GetValue(edgesFresh), parse.GetValue(connections), output);
    }

    (long Rss, long Peak)? small = null, large = null;
    if (parse.GetValue(memoryLarge) > 0)
    {
        await output.WriteLineAsync("memory:");
        small = await MemoryPhase.RunAsync(parse.GetValue(memorySmall), output);
        large = await MemoryPhase.RunAsync(parse.GetValue(memoryLarge), output);
    }

    await output.WriteLineAsync();
    await output.WriteLineAsync("measure                          value      target");
    await output.WriteLineAsync($"fidelity (worst domain)          {shaping.WorstFidelity,8:0.000}   <= 1.00");
    await output.WriteLineAsync($"utilization (worst / mean)       {shaping.WorstUtilization,5:0.000} / {shaping.MeanUtilization:0.000}   >= 0.97");
    await output.WriteLineAsync($"ceiling (drain / raw MailKit)    {drain / raw,8:0.000}   >= 0.50   ({drain:0} / {raw:0} msg/s)");
    if (small is { } s && large is { } l)
    {
        await output.WriteLineAsync($"memory (RSS large / small)       {(double)l.Rss / s.Rss,8:0.000}   <= 1.20   ({l.Rss / 1024.0:0.0} / {s.Rss / 1024.0:0.0} MiB; peak {l.Peak / 1024.0:0.0} / {s.Peak / 1024.0:0.0} MiB)");
    }

    await output.WriteLineAsync($"churn (worker publishes/deliv.)  {shaping.Churn,8:0.00}   <= 2");
    await output.WriteLineAsync($"warm-up on: fidelity / util.     {warm.WorstFidelity,8:0.000} / {warm.WorstUtilization:0.000} (mean {warm.MeanUtilization:0.000})   <= 1.00 / printed (the ramp holds the first window back)");
    await output.WriteLineAsync($"warm-up on: churn                {warm.Churn,8:0.00}   <= 2   ({warm.Lost} lost, {warm.Duplicates} duplicates)");
    if (edges is { } e)
    {
        await output.WriteLineAsync($"isolation: other partition p99   {e.IsolationP99,8:0.00} s <= {e.IsolationBound:0.00} s (its permit spacing + 1 s)");
        await output.WriteLineAsync($"priority: transactional p99      {e.PriorityP99,8:0.00} s <= {e.PriorityBound:0.00} s (beside the bulk backlog; {e.BulkDelivered} bulk delivered meanwhile)");
    }

    await output.WriteLineAsync($"journal writes / delivery        {shaping.JournalRecords,8:0.00}   printed (stream messages: batches of records, two records per transaction)");
    await output.WriteLineAsync($"refused replies (throttles)      {shaping.RefusedReplies,8}   0");
    await output.WriteLineAsync($"loss / duplicates                {shaping.Lost,4} / {shaping.Duplicates}   0 / 0   ({shaping.Delivered}/{shaping.Published} delivered)");
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
