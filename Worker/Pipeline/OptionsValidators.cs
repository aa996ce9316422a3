using Microsoft.Extensions.Options;
using Sluice.Worker.Intake;
using Sluice.Worker.Providers;
using Sluice.Worker.Retry;
using Sluice.Worker.Scheduling;
using Sluice.Worker.Sending;
using Sluice.Worker.Sending.MtaSts;

namespace Sluice.Worker.Pipeline;

// Source-generated DataAnnotations validation of the pipeline's options (no reflection at start-up).

[OptionsValidator]
internal sealed partial class IntakeOptionsValidator : IValidateOptions<IntakeOptions>;

[OptionsValidator]
internal sealed partial class LimitOptionsValidator : IValidateOptions<LimitOptions>;

[OptionsValidator]
internal sealed partial class SchedulerOptionsValidator : IValidateOptions<SchedulerOptions>;

[OptionsValidator]
internal sealed partial class SmtpOptionsValidator : IValidateOptions<SmtpOptions>;

[OptionsValidator]
internal sealed partial class RetryOptionsValidator : IValidateOptions<RetryOptions>;

[OptionsValidator]
internal sealed partial class ProviderOptionsValidator : IValidateOptions<ProviderOptions>;

[OptionsValidator]
internal sealed partial class MtaStsOptionsValidator : IValidateOptions<MtaStsOptions>;
