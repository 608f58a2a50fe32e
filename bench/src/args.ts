/** Command-line arguments as `name=value` or `--name value` (what `npm run x -- --minutes 30` passes on). */
export function parseArgs(argv: readonly string[] = process.argv.slice(2)): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a.startsWith('--')) out[a.slice(2)] = argv[++i] ?? '';
    else if (a.includes('=')) out[a.slice(0, a.indexOf('='))] = a.slice(a.indexOf('=') + 1);
  }
  return out;
}

/** Runs a check's `main` (true: it passed): prints its verdict and exits 1 when it failed or threw. */
export function runCheck(main: () => Promise<boolean>): void {
  main().then(
    (passed) => {
      console.log(passed ? '\npassed' : '\nFAILED');
      process.exitCode = passed ? 0 : 1;
    },
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}
