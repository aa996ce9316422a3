using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Sluice.Contracts.Validation;

namespace Sluice.Worker.Broker;

public static class BrokerServiceExtensions
{
    /// <summary>Broker connection settings, the contract's size caps, and the connector.</summary>
    public static IHostApplicationBuilder AddSluiceBroker(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddOptionsWithValidateOnStart<BrokerOptions, BrokerOptionsValidator>()
            .BindConfiguration(BrokerOptions.SectionName);
        builder.Services.AddSingleton<IValidateOptions<BrokerOptions>, BrokerEndpointsValidator>();
        builder.Services.AddOptionsWithValidateOnStart<ContractLimits, ContractLimitsValidator>()
            .BindConfiguration(ContractLimits.SectionName);
        builder.Services.AddSingleton<BrokerConnector>();
        return builder;
    }
}
