using Sluice.Tests.Infrastructure;
using Sluice.Worker.Cli;

namespace Sluice.Tests.Cli;

public sealed class ConfigurationValidationTests
{
    [Fact]
    public async Task A_bad_value_stops_the_command_with_a_message_naming_the_key()
    {
        var run = await SluiceCli.RunAsync(
            [new("Broker:Port", "0"), new("Topology:Egresses:0", "Not A Name"), new("Topology:IntakeDeliveryLimit", "0")],
            "topology", "export");
        Assert.Equal(ExitCodes.InvalidInput, run.ExitCode);
        Assert.Contains("Broker:Port:", run.Error, StringComparison.Ordinal);
        Assert.Contains("Topology:Egresses:0:", run.Error, StringComparison.Ordinal);
        Assert.Contains("Topology:IntakeDeliveryLimit:", run.Error, StringComparison.Ordinal);
        Assert.Empty(run.Output);
    }

    [Fact]
    public async Task A_bad_per_domain_provider_or_tenant_limit_stops_run_naming_the_entry()
    {
        var run = await SluiceCli.RunAsync(
            [new("Limits:Domains:slow.example:PermitLimit", "0"), new("Limits:Providers:microsoft:Concurrency", "0"), new("Limits:Tenants:acme:Window", "00:00:00")],
            "run");
        Assert.Equal(ExitCodes.InvalidInput, run.ExitCode);
        Assert.Contains("Limits:Domains:slow.example:", run.Error, StringComparison.Ordinal);
        Assert.Contains("Limits:Providers:microsoft:", run.Error, StringComparison.Ordinal);
        Assert.Contains("Limits:Tenants:acme:Window", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_egress_delivering_to_mx_hosts_refuses_credentials_implicit_tls_and_a_local_address_that_is_no_address()
    {
        var run = await SluiceCli.RunAsync(
            [new("Topology:Egresses:0", "default"), new("Topology:Egresses:1", "direct"), new("Egresses:direct:Smtp:Mode", "Mx"),
             new("Egresses:direct:Smtp:UserName", "relay-user"), new("Egresses:direct:Smtp:Security", "Tls"), new("Smtp:LocalAddress", "eth0")],
            "run");
        Assert.Equal(ExitCodes.InvalidInput, run.ExitCode);
        Assert.Contains("Egresses:direct:Smtp:UserName:", run.Error, StringComparison.Ordinal);
        Assert.Contains("Egresses:direct:Smtp:Security:", run.Error, StringComparison.Ordinal);
        Assert.Contains("Smtp:LocalAddress: 'eth0'", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unreadable_value_is_reported_not_thrown()
    {
        var run = await SluiceCli.RunAsync([new("Broker:PublishTimeout", "soon")], "topology", "export");
        Assert.Equal(ExitCodes.InvalidInput, run.ExitCode);
        Assert.Contains("Broker:PublishTimeout", run.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Limits:Default:Window", "10", "no unit")]
    [InlineData("Limits:Default:Window", "-10s", "must be between")]
    [InlineData("Limits:Default:Window", "0s", "must be between")]
    [InlineData("Limits:Tenants:acme:Window", "10", "no unit")]
    [InlineData("Retry:MaxAge", "-1d", "must be between")]
    [InlineData("Broker:Uri", "http://rabbit.example", "amqp")]
    [InlineData("Broker:Hosts:0", "rabbit:port", "host:port")]
    [InlineData("Senders:Tenants:acme:0", "not a domain", "not a domain name")]
    public async Task Run_refuses_a_bad_value_naming_its_key_and_how_to_write_it(string key, string value, string why)
    {
        var run = await SluiceCli.RunAsync([new(key, value)], "run");
        Assert.Equal(ExitCodes.InvalidInput, run.ExitCode);
        Assert.Contains($"sluice: invalid configuration: {key}: ", run.Error, StringComparison.Ordinal);
        Assert.Contains(why, run.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("System.", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Publishing_a_file_that_breaks_the_contract_names_the_problem()
    {
        string file = Path.Combine(AppContext.BaseDirectory, "ContractExamples", "invalid", "unknown-property.json");
        var run = await SluiceCli.RunAsync([], "publish", file);
        Assert.Equal(ExitCodes.InvalidInput, run.ExitCode);
        Assert.Contains("subjct", run.Error, StringComparison.Ordinal);
    }
}
