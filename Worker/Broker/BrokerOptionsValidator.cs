using Microsoft.Extensions.Options;

namespace Sluice.Worker.Broker;

/// <summary>Source-generated DataAnnotations validation (no reflection at start-up).</summary>
[OptionsValidator]
internal sealed partial class BrokerOptionsValidator : IValidateOptions<BrokerOptions>;
