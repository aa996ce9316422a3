using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Sluice.Worker.Topology;

public static class TopologyServiceExtensions
{
    public static IHostApplicationBuilder AddSluiceTopology(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddOptionsWithValidateOnStart<TopologyOptions, TopologyOptionsValidator>()
            .BindConfiguration(TopologyOptions.SectionName);
        builder.Services.AddSingleton(sp => SluiceTopology.Build(sp.GetRequiredService<IOptions<TopologyOptions>>().Value));
        return builder;
    }
}
