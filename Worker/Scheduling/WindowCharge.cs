namespace Sluice.Worker.Scheduling;

/// <summary>Permits a past transaction (read from the delivery journal) used in every limit of its chain, counted from <paramref name="At"/>.</summary>
public readonly record struct WindowCharge(string Partition, string Tenant, int Permits, DateTimeOffset At);
