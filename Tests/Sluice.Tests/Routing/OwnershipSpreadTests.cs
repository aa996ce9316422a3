using Microsoft.Extensions.DependencyInjection;
using Sluice.Contracts.Publishing;
using Sluice.Simulator;
using Sluice.Tests.Infrastructure;
using Sluice.Worker.Telemetry;

namespace Sluice.Tests.Routing;

/// <summary>Replicas add sending capacity: the egresses are spread over the running workers, and gathered again when one stops.</summary>
public sealed class OwnershipSpreadTests
{
    private static readonly TimeSpan HangGuard = TimeSpan.FromSeconds(90);
    private static readonly string[] Egresses = ["e1", "e2", "e3", "e4"];

    [Fact]
    public async Task Two_workers_own_two_of_four_egresses_each_and_one_owns_all_four_when_the_other_stops()
    {
        await using var broker = await TestBroker.CreateAsync();
        await using var simulator = ReceivingSimulator.Start(new SimulatorOptions { Port = 0 });
        var configuration = PipelineConfiguration.For(broker, simulator,
            [.. Egresses.Select((e, i) => ($"Topology:Egresses:{i}", e)), ("Scheduler:HandOverAfter", "00:00:00.500")]);
        await using var first = await InProcessWorker.StartAsync(configuration);
        await WaitForOwnersAsync([first], owned => owned[0] == 4);

        await using var second = await InProcessWorker.StartAsync(configuration);
        await WaitForOwnersAsync([first, second], owned => owned[0] == 2 && owned[1] == 2);

        // Mail for every egress is delivered by whichever worker owns it.
        await using var connection = await broker.ConnectAsync();
        await using var publisher = await OutboundMailPublisher.CreateAsync(connection);
        foreach (string egress in Egresses)
        {
            await publisher.PublishAsync(SampleMail.To($"someone@{egress}.example") with { Egress = egress });
        }

        await simulator.WaitUntilAsync(s => s.DeliveredCount == Egresses.Length, HangGuard);

        await first.StopAsync();
        await WaitForOwnersAsync([second], owned => owned[0] == 4);
        Assert.Equal(Egresses.Length, RecordAnalysis.Deliveries(simulator.Records).Count);
    }

    [Fact]
    public async Task When_one_of_two_workers_is_killed_mid_drain_the_other_takes_its_egresses_over_sends_each_once_and_keeps_the_limits()
    {
        const int limit = 20;      // recipients per second per partition (one recipient domain per egress here)
        const int perEgress = 60;
        const int connections = 4;
        await using var broker = await TestBroker.CreateAsync();
        await using var simulator = ReceivingSimulator.Start(new SimulatorOptions { Port = 0 });
        var configuration = PipelineConfiguration.For(broker, simulator,
            [.. Egresses.Select((e, i) => ($"Topology:Egresses:{i}", e)), ("Scheduler:HandOverAfter", "00:00:00.500"), ("Scheduler:StatusInterval", "00:00:00.200"),
             ("Limits:Default:PermitLimit", limit.ToString(System.Globalization.CultureInfo.InvariantCulture)), ("Limits:Default:Window", "00:00:01"),
             ("Smtp:Connections", connections.ToString(System.Globalization.CultureInfo.InvariantCulture)),
             ("Logging:LogLevel:Sluice.Worker.Scheduling", "Information")]);
        await using var connection = await broker.ConnectAsync();
        await using var first = WorkerProcess.Start(configuration);
        await using var second = WorkerProcess.Start(configuration);
        await first.WaitForOutputAsync("now owns egress", HangGuard); // the topology (and its status queues) exists
        await WaitForOwnerPidsAsync(connection, owners => owners.Count(o => o == first.Id) == 2 && owners.Count(o => o == second.Id) == 2);

        await using var publisher = await OutboundMailPublisher.CreateAsync(connection);
        var sent = new List<string>();
        foreach (string egress in Egresses)
        {
            for (int i = 0; i < perEgress; i++)
            {
                string recipient = $"r{i}@{egress}.example";
                await publisher.PublishAsync(SampleMail.To(recipient) with { Egress = egress });
                sent.Add(recipient);
            }
        }

        // SIGKILL mid-drain: no hand-over, no goodbye; the broker drops the dead worker's leases and roster seat at once.
        await simulator.WaitUntilAsync(s => s.DeliveredCount >= sent.Count / 3, HangGuard);
        first.Kill();
        await WaitForOwnerPidsAsync(connection, owners => owners.All(o => o == second.Id));
        await simulator.WaitUntilAsync(s => RecordAnalysis.Deliveries(s.Records).Count >= sent.Count, HangGuard);

        // Every recipient delivered; a duplicate needs a kill between a receiver's 250 and the journal's confirm: at most
        // one per connection of each egress the dead worker owned. The survivor counted from the journals what the dead
        // owner used of each window: no window of any partition over its limit across the hand-over.
        var deliveries = RecordAnalysis.Deliveries(simulator.Records);
        Assert.Equal(sent.Order(StringComparer.Ordinal), deliveries.Keys.Select(k => k.Recipient).Order(StringComparer.Ordinal));
        Assert.InRange(deliveries.Values.Sum() - deliveries.Count, 0, 2 * connections);
        foreach (string egress in Egresses)
        {
            int most = RecordAnalysis.MaxAttemptsInAnyWindow(simulator.Records, $"{egress}.example", TimeSpan.FromSeconds(1));
            Assert.True(most <= limit, $"{egress}.example: {most} recipients in one window across the hand-over, limit {limit}");
        }
    }

    /// <summary>
    /// Reads each egress's next status snapshot (an owner writes one every interval: the snapshot is the event) until the
    /// owners' process ids, one per egress, satisfy <paramref name="condition"/>.
    /// </summary>
    private static async Task WaitForOwnerPidsAsync(RabbitMQ.Client.IConnection connection, Func<int[], bool> condition)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        int[] owners = [];
        while (clock.Elapsed < HangGuard)
        {
            var snapshots = new List<Sluice.Worker.Status.EgressSnapshot?>();
            foreach (string egress in Egresses)
            {
                snapshots.Add(await Sluice.Worker.Status.StatusReader.LatestSnapshotAsync(connection, egress, HangGuard, CancellationToken.None));
            }

            owners = [.. snapshots.Select(s => s is null ? 0 : int.Parse(s.Owner[(s.Owner.LastIndexOf('/') + 1)..], System.Globalization.CultureInfo.InvariantCulture))];
            if (condition(owners))
            {
                return;
            }
        }

        Assert.Fail("owners never satisfied the condition; last: " + string.Join(", ", owners));
    }

    /// <summary>Waits until the number of egresses each worker owns satisfies <paramref name="condition"/> (an ownership change is the event).</summary>
    private static async Task WaitForOwnersAsync(InProcessWorker[] workers, Func<int[], bool> condition)
    {
        var telemetry = workers.Select(w => w.Services.GetRequiredService<SchedulerTelemetry>()).ToArray();
        using var deadline = new CancellationTokenSource(HangGuard);
        while (true)
        {
            var changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            void OnChanged() => changed.TrySetResult();
            foreach (var t in telemetry)
            {
                t.OwnershipChanged += OnChanged;
            }

            try
            {
                if (condition([.. telemetry.Select(t => t.Owned.Count)]))
                {
                    return;
                }

                await changed.Task.WaitAsync(deadline.Token);
            }
            finally
            {
                foreach (var t in telemetry)
                {
                    t.OwnershipChanged -= OnChanged;
                }
            }
        }
    }
}
