using System.Collections.Concurrent;

namespace Sluice.Worker.Scheduling;

/// <summary>
/// The egresses this worker owns at this moment, each with its <see cref="OwnerDoor"/>: intake asks here whether
/// the message it has just routed can go straight to the owner's senders. An egress owned by another worker has no
/// door here, and its mail is copied into its egress queue as always.
/// </summary>
public sealed class LocalOwners
{
    private readonly ConcurrentDictionary<string, OwnerDoor> _doors = new(StringComparer.Ordinal);

    /// <summary>Raised with the egress's name when this worker's owner of it opens its door.</summary>
    public event Action<string>? Opened;

    /// <summary>The door of <paramref name="egress"/> if this worker owns it now.</summary>
    public OwnerDoor? Door(string egress) => _doors.GetValueOrDefault(egress);

    /// <summary>Opens <paramref name="door"/> for the owner's tenure; disposing of the result closes it.</summary>
    public IDisposable Open(string egress, OwnerDoor door)
    {
        ArgumentNullException.ThrowIfNull(door);
        _doors[egress] = door;
        Opened?.Invoke(egress);
        return new Tenure(this, egress, door);
    }

    private sealed class Tenure(LocalOwners owners, string egress, OwnerDoor door) : IDisposable
    {
        public void Dispose()
        {
            owners._doors.TryRemove(new KeyValuePair<string, OwnerDoor>(egress, door));
            door.Close();
        }
    }
}
