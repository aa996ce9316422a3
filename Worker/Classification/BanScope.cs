namespace Sluice.Worker.Classification;

/// <summary>Who a ban reply stops: it belongs to whoever issued it (a column of the reply table).</summary>
public enum BanScope
{
    /// <summary>
    /// The smarthost refuses the sending account as a whole (Microsoft 365's 5.7.705 tenant threshold or
    /// 5.7.708 when relaying through it): every send of the egress stops until the suspension ends.
    /// </summary>
    Egress,

    /// <summary>
    /// A receiving provider or domain refuses this sender (a banned sending IP at Microsoft's inbound edge,
    /// Yahoo's [TS03], Gmail's block): only that partition stops; mail to everyone else goes on.
    /// </summary>
    Partition,
}
