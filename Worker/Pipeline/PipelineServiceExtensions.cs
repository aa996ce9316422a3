using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Sluice.Worker.Classification;
using Sluice.Worker.Control;
using Sluice.Worker.Intake;
using Sluice.Worker.Providers;
using Sluice.Worker.Retry;
using Sluice.Worker.Routing;
using Sluice.Worker.Scheduling;
using Sluice.Worker.Senders;
using Sluice.Worker.Signing;
using Sluice.Worker.Sending;
using Sluice.Worker.Sending.MtaSts;
using Sluice.Worker.Telemetry;

namespace Sluice.Worker.Pipeline;

public static class PipelineServiceExtensions
{
    /// <summary>The drain pipeline: topology at start, intake, and one scheduler contest per egress.</summary>
    public static IHostApplicationBuilder AddSluicePipeline(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        builder.AddSluiceTelemetry();
        services.AddOptionsWithValidateOnStart<IntakeOptions, IntakeOptionsValidator>().BindConfiguration(IntakeOptions.SectionName);
        services.AddOptionsWithValidateOnStart<LimitOptions, LimitOptionsValidator>().BindConfiguration(LimitOptions.SectionName);
        services.AddSingleton<IValidateOptions<LimitOptions>, LimitEntriesValidator>();
        services.AddOptionsWithValidateOnStart<SchedulerOptions, SchedulerOptionsValidator>().BindConfiguration(SchedulerOptions.SectionName);
        services.AddOptionsWithValidateOnStart<SmtpOptions, SmtpOptionsValidator>().BindConfiguration(SmtpOptions.SectionName);
        services.AddSingleton<IValidateOptions<SmtpOptions>, SmtpSettingsValidator>();
        services.AddOptionsWithValidateOnStart<RetryOptions, RetryOptionsValidator>().BindConfiguration(RetryOptions.SectionName);
        services.AddOptionsWithValidateOnStart<ProviderOptions, ProviderOptionsValidator>().BindConfiguration(ProviderOptions.SectionName);
        services.AddOptionsWithValidateOnStart<RoutingOptions>().BindConfiguration(RoutingOptions.SectionName);
        services.AddOptionsWithValidateOnStart<MtaStsOptions, MtaStsOptionsValidator>().BindConfiguration(MtaStsOptions.SectionName);
        EgressSettings.Register(services, builder.Configuration);
        services.AddOptionsWithValidateOnStart<DkimOptions>().BindConfiguration(DkimOptions.SectionName);
        services.AddSingleton<IValidateOptions<DkimOptions>, DkimKeysValidator>();
        services.AddSingleton<DkimSigning>();
        services.AddOptionsWithValidateOnStart<PreflightOptions>().BindConfiguration(PreflightOptions.SectionName);
        services.AddOptions<ClassificationOptions>().BindConfiguration(ClassificationOptions.SectionName);
        services.AddOptionsWithValidateOnStart<SenderOptions>().BindConfiguration(SenderOptions.SectionName);
        services.AddSingleton<IValidateOptions<SenderOptions>, SenderOptionsValidator>();

        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<PauseState>();
        services.AddSingleton<DelayTiers>();
        services.AddSingleton<ReplyClassifier>();
        services.AddSingleton<RetryPolicy>();
        services.AddSingleton<ProviderResolver>();
        services.AddSingleton<MxResolver>();
        services.AddSingleton<MtaStsPolicies>();
        services.AddSingleton<LocalOwners>();
        services.AddSingleton(sp => new EgressServices(
            sp.GetRequiredService<DelayTiers>(),
            sp.GetRequiredService<ReplyClassifier>(),
            sp.GetRequiredService<RetryPolicy>(),
            sp.GetRequiredService<IOptions<RetryOptions>>(),
            sp.GetRequiredService<PauseState>(),
            sp.GetRequiredService<IOptions<SchedulerOptions>>().Value.PausedRecheck,
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<DeliveryTelemetry>(),
            sp.GetRequiredService<SchedulerTelemetry>(),
            sp.GetRequiredService<DkimSigning>(),
            sp.GetRequiredService<SenderAuthState>(),
            sp.GetRequiredService<MxResolver>(),
            sp.GetRequiredService<MtaStsPolicies>()));

        // Hosted services start in this order and stop in reverse: schedulers stop before intake.
        services.AddHostedService<TopologyStartup>();
        services.AddHostedService<ControlWatcher>();
        services.AddHostedService<IntakeConsumer>();
        services.AddHostedService<EgressSchedulerService>();
        services.AddHostedService<SenderPreflight>();
        return builder;
    }
}
