using System.Security.Cryptography;
using Microsoft.Extensions.Options;
using Org.BouncyCastle.Crypto.Generators;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Security;
using Sluice.Contracts;
using Sluice.Contracts.Publishing;
using Sluice.Simulator;
using Sluice.Tests.Infrastructure;
using Sluice.Worker.Signing;

namespace Sluice.Tests.Signing;

/// <summary>DKIM as the receiver sees it: the simulator verifies every signature against the keys it publishes.</summary>
public sealed class DkimSigningTests
{
    private static readonly TimeSpan HangGuard = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Mail_is_signed_by_its_from_domains_key_and_the_relays_and_the_receiver_verifies_both()
    {
        using var acme = RSA.Create(2048);
        using var relay = RSA.Create(2048);
        using var wrong = RSA.Create(2048);
        using var published = RSA.Create(2048);
        var (edPrivatePem, edPublic) = Ed25519Key();
        await using var broker = await TestBroker.CreateAsync();
        await using var simulator = ReceivingSimulator.Start(new SimulatorOptions
        {
            Port = 0,
            DkimKeys =
            {
                ["s1._domainkey.acme.example"] = DkimRecords.Rsa(acme),
                ["relay._domainkey.relay.example"] = DkimRecords.Rsa(relay),
                ["ed._domainkey.ed.example"] = $"v=DKIM1; k=ed25519; p={edPublic}",

                // Not the key the worker holds: the receiver must see the signature fail.
                ["w._domainkey.wrong.example"] = DkimRecords.Rsa(published),
            },
        });
        await using var worker = await InProcessWorker.StartAsync(PipelineConfiguration.For(broker, simulator,
            ("Dkim:Keys:0:Domain", "acme.example"), ("Dkim:Keys:0:Selector", "s1"), ("Dkim:Keys:0:PrivateKey", acme.ExportRSAPrivateKeyPem()),
            ("Dkim:Keys:1:Domain", "ed.example"), ("Dkim:Keys:1:Selector", "ed"), ("Dkim:Keys:1:PrivateKey", edPrivatePem),
            ("Dkim:Keys:1:Algorithm", "Ed25519Sha256"),
            ("Dkim:Keys:2:Domain", "wrong.example"), ("Dkim:Keys:2:Selector", "w"), ("Dkim:Keys:2:PrivateKey", wrong.ExportRSAPrivateKeyPem()),
            ("Dkim:Relay:Domain", "relay.example"), ("Dkim:Relay:Selector", "relay"), ("Dkim:Relay:PrivateKey", relay.ExportRSAPrivateKeyPem())));
        await using var connection = await broker.ConnectAsync();
        await using var publisher = await OutboundMailPublisher.CreateAsync(connection);

        // acme's own key (a subdomain aligns with its parent's key), ed.example's ed25519 key, and a client without a key.
        await publisher.PublishAsync(SampleMail.To("a@receiver.example") with { From = new EmailAddress { Address = "support@help.acme.example" } });
        await publisher.PublishAsync(SampleMail.To("b@receiver.example") with { From = new EmailAddress { Address = "news@ed.example" } });
        await publisher.PublishAsync(SampleMail.To("c@receiver.example") with { From = new EmailAddress { Address = "info@nokey.example" } });
        await publisher.PublishAsync(SampleMail.To("d@receiver.example") with { From = new EmailAddress { Address = "info@wrong.example" } });

        // A producer's own MIME is signed as well.
        const string mime = "From: support@acme.example\r\nTo: e@receiver.example\r\nSubject: Own MIME\r\nMessage-ID: <own@acme.example>\r\n\r\nBody\r\n";
        await publisher.PublishAsync(SampleMail.To("e@receiver.example") with
        {
            From = new EmailAddress { Address = "support@acme.example" }, Subject = null, Text = null, Mime = System.Text.Encoding.ASCII.GetBytes(mime),
        });
        await simulator.WaitUntilAsync(s => s.DeliveredCount == 5, HangGuard);

        var dkim = simulator.Records.Where(r => r.Stage == ReplyRecord.DataStage).ToDictionary(r => r.Recipient, r => r.Dkim);
        Assert.Equal("pass d=relay.example; pass d=acme.example", dkim["a@receiver.example"]);
        Assert.Equal("pass d=relay.example; pass d=ed.example", dkim["b@receiver.example"]);
        Assert.Equal("pass d=relay.example", dkim["c@receiver.example"]);
        Assert.Equal("pass d=relay.example; fail d=wrong.example", dkim["d@receiver.example"]);
        Assert.Equal("pass d=relay.example; pass d=acme.example", dkim["e@receiver.example"]);
    }

    [Fact]
    public void A_key_that_cannot_be_read_stops_the_start_naming_the_key_but_not_showing_it()
    {
        var result = new DkimKeysValidator().Validate(null, new DkimOptions
        {
            Keys = [new DkimKeyOptions { Domain = "acme.example", Selector = "s1", PrivateKey = "-----BEGIN RSA PRIVATE KEY-----\nnot-a-key\n-----END RSA PRIVATE KEY-----" }],
        });
        Assert.True(result.Failed);
        Assert.Contains("Dkim:Keys:0 (s1._domainkey.acme.example): the private key cannot be read", result.FailureMessage, StringComparison.Ordinal);
        Assert.DoesNotContain("not-a-key", result.FailureMessage, StringComparison.Ordinal);
        Assert.True(new DkimKeysValidator().Validate(null, new DkimOptions()).Succeeded);
    }

    [Fact]
    public void An_rsa_key_under_1024_bits_stops_the_start_and_2048_bits_do_not()
    {
        using var small = RSA.Create(512);
        using var fine = RSA.Create(2048);
        var result = new DkimKeysValidator().Validate(null, new DkimOptions
        {
            Keys = [new DkimKeyOptions { Domain = "acme.example", Selector = "s1", PrivateKey = small.ExportRSAPrivateKeyPem() }],
            Relay = new DkimKeyOptions { Domain = "relay.example", Selector = "r1", PrivateKey = fine.ExportRSAPrivateKeyPem() },
        });
        Assert.True(result.Failed);
        Assert.Contains("Dkim:Keys:0 (s1._domainkey.acme.example): the RSA key has 512 bits", result.FailureMessage, StringComparison.Ordinal);
        Assert.DoesNotContain("Dkim:Relay", result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void The_signing_domain_is_the_from_domain_or_its_closest_parent_with_a_key()
    {
        using var parent = RSA.Create(2048);
        using var child = RSA.Create(2048);
        var signing = new DkimSigning(Options.Create(new DkimOptions
        {
            Keys =
            [
                new DkimKeyOptions { Domain = "acme.example", Selector = "a", PrivateKey = parent.ExportRSAPrivateKeyPem() },
                new DkimKeyOptions { Domain = "eu.acme.example", Selector = "b", PrivateKey = child.ExportRSAPrivateKeyPem() },
            ],
        }));
        Assert.Equal("acme.example", signing.DomainFor("acme.example"));
        Assert.Equal("acme.example", signing.DomainFor("mail.acme.example"));
        Assert.Equal("eu.acme.example", signing.DomainFor("x.EU.acme.example"));
        Assert.Null(signing.DomainFor("notacme.example"));
    }

    /// <summary>An Ed25519 key pair: the private key as PKCS#8 PEM, the public key as DKIM publishes it (RFC 8463: the raw 32 bytes).</summary>
    private static (string PrivatePem, string PublicBase64) Ed25519Key()
    {
        var generator = new Ed25519KeyPairGenerator();
        generator.Init(new Ed25519KeyGenerationParameters(new SecureRandom()));
        var pair = generator.GenerateKeyPair();
        using var text = new StringWriter();
        var pem = new Org.BouncyCastle.OpenSsl.PemWriter(text);
        pem.WriteObject(new Org.BouncyCastle.Utilities.IO.Pem.PemObject("PRIVATE KEY",
            Org.BouncyCastle.Pkcs.PrivateKeyInfoFactory.CreatePrivateKeyInfo(pair.Private).GetEncoded()));
        pem.Writer.Flush();
        return (text.ToString(), Convert.ToBase64String(((Ed25519PublicKeyParameters)pair.Public).GetEncoded()));
    }
}
