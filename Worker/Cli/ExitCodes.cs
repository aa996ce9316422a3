namespace Sluice.Worker.Cli;

/// <summary>Process exit codes of the <c>sluice</c> command.</summary>
public static class ExitCodes
{
    public const int Ok = 0;

    /// <summary>The broker or the network failed; trying again may work.</summary>
    public const int Unavailable = 1;

    /// <summary>The input or the configuration is wrong; trying again will not help.</summary>
    public const int InvalidInput = 2;

    /// <summary>What was looked for (<c>sluice find</c>) is not known.</summary>
    public const int NotFound = 3;

    /// <summary>The worker stopped because a part of it failed for good (a defect): restart it, and report the log.</summary>
    public const int Failed = 70;
}
