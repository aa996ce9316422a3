using Microsoft.Extensions.Options;
using Sluice.Contracts.Validation;

namespace Sluice.Worker.Broker;

[OptionsValidator]
internal sealed partial class ContractLimitsValidator : IValidateOptions<ContractLimits>;
