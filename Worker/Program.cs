using System.CommandLine;
using Sluice.Worker.Cli;
using Sluice.Worker.Hosting;

var context = new CliContext(() => SluiceHost.CreateBuilder(), Console.Out, Console.Error);
// The host's console lifetime handles SIGTERM/Ctrl+C, so `run` can drain for as long as the host's
// shutdown timeout allows; System.CommandLine's own 2 s termination timeout would cut that short.
return await SluiceCommandLine.InvokeAsync(context, args, new InvocationConfiguration { ProcessTerminationTimeout = null });
