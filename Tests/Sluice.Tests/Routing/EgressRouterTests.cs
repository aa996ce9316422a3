using Microsoft.Extensions.Configuration;
using Sluice.Contracts;
using Sluice.Tests.Infrastructure;
using Sluice.Worker.Routing;

namespace Sluice.Tests.Routing;

/// <summary>Which egress a message takes: its own field, then the rules in order, then the default.</summary>
public sealed class EgressRouterTests
{
    private static readonly EgressRouter Router = new(new RoutingOptions
    {
        Rules =
        [
            new RouteRule { Tenant = "globex", Egress = "m365" },
            new RouteRule { SenderDomain = "*.eu.example", Egress = "eu" },
            new RouteRule { Tenant = "acme", SenderDomain = "acme.example", Egress = "own-mta" },
        ],
        Default = "default",
    });

    private static OutboundMail From(string tenant, string sender) =>
        SampleMail.To("someone@receiver.example") with { Tenant = tenant, From = new EmailAddress { Address = sender } };

    [Fact]
    public void The_messages_own_egress_field_wins_over_every_rule()
    {
        Assert.Equal(new RouteChoice("eu", "field"), Router.Choose(From("globex", "a@globex.example") with { Egress = "eu" }));
    }

    [Fact]
    public void The_first_matching_rule_decides_and_is_named()
    {
        Assert.Equal(new RouteChoice("m365", "rule 0: tenant globex"), Router.Choose(From("globex", "a@shop.eu.example")));
        Assert.Equal(new RouteChoice("eu", "rule 1: sender domain *.eu.example"), Router.Choose(From("initech", "a@shop.EU.example")));
        Assert.Equal("eu", Router.Choose(From("initech", "a@eu.example")).Egress);
    }

    [Fact]
    public void Every_condition_of_a_rule_must_hold_else_the_default()
    {
        Assert.Equal(new RouteChoice("own-mta", "rule 2: tenant acme, sender domain acme.example"), Router.Choose(From("acme", "a@acme.example")));
        Assert.Equal(new RouteChoice("default", "default"), Router.Choose(From("acme", "a@other.example")));
        Assert.Equal(new RouteChoice("default", "default"), Router.Choose(From("initech", "a@noteu.example")));
    }
}

/// <summary>Route settings that point nowhere stop the worker at start, naming the key.</summary>
public sealed class EgressSectionsValidatorTests
{
    private static Microsoft.Extensions.Options.ValidateOptionsResult Validate(params (string Key, string Value)[] settings)
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(settings.Select(s => new KeyValuePair<string, string?>(s.Key, s.Value)))
            .Build();
        var topology = new Sluice.Worker.Topology.TopologyOptions { Egresses = ["relay", "backup"] };
        return new EgressSectionsValidator(configuration).Validate(null, topology);
    }

    [Fact]
    public void Settings_rules_and_fallbacks_must_name_egresses_of_the_topology()
    {
        Assert.True(Validate(("Egresses:backup:Smtp:Port", "25"), ("Egresses:relay:Fallback", "backup"), ("Routing:Rules:0:Tenant", "acme"),
            ("Routing:Rules:0:Egress", "backup"), ("Routing:Default", "relay")).Succeeded);
        Assert.Contains("Egresses:eu:", Validate(("Egresses:eu:Smtp:Port", "25")).FailureMessage, StringComparison.Ordinal);
        Assert.Contains("Egresses:relay:Fallback", Validate(("Egresses:relay:Fallback", "relay")).FailureMessage, StringComparison.Ordinal);
        Assert.Contains("Egresses:relay:Fallback", Validate(("Egresses:relay:Fallback", "nowhere")).FailureMessage, StringComparison.Ordinal);
        Assert.Contains("Routing:Rules:0:Egress", Validate(("Routing:Rules:0:Tenant", "acme"), ("Routing:Rules:0:Egress", "eu")).FailureMessage, StringComparison.Ordinal);
        Assert.Contains("a rule needs a Tenant or a SenderDomain", Validate(("Routing:Rules:0:Egress", "relay")).FailureMessage, StringComparison.Ordinal);
        Assert.Contains("Routing:Default", Validate(("Routing:Default", "eu")).FailureMessage, StringComparison.Ordinal);
    }
}
