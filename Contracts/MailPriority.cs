using System.Text.Json.Serialization;

namespace Sluice.Contracts;

/// <summary>How urgent a message is. Fresh transactional mail may overtake a bulk backlog.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<MailPriority>))]
public enum MailPriority
{
    /// <summary>Tickets, password resets, notifications a person is waiting for (the default).</summary>
    [JsonStringEnumMemberName("transactional")]
    Transactional,

    /// <summary>Newsletters and digests: may wait behind transactional mail.</summary>
    [JsonStringEnumMemberName("bulk")]
    Bulk,
}
