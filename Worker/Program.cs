using Sluice.Worker.Cli;
using Sluice.Worker.Hosting;

var context = new CliContext(() => SluiceHost.CreateBuilder(), Console.Out, Console.Error);
return await SluiceCommandLine.Build(context).Parse(args).InvokeAsync();
