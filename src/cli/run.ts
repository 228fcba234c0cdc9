// How every command-line entry point (admin, db:migrate, db:seed) ends: with its output and exit
// code 0, or with one clear line on stderr and a non-zero code. This is the CLI's error edge, the
// one place errors become messages. It does not load the database driver (see database.ts), so
// that help and argument errors answer at once.
import { ConfigError } from '../shared/config.js';
import { AppError } from '../shared/errors.js';

/** Errors whose message is already the whole story for the person at the terminal. */
const SELF_EXPLAINING = new Set(['DataDirInUseError', 'MigrationError']);

/** Bad command-line input: the command, an option, or a value. Exit code 2, like getopt tools. */
export class UsageError extends Error {
  override name = 'UsageError';
}

export const EXIT_USAGE = 2;
export const EXIT_FAILURE = 1;

export interface Output {
  /** The command's result, on stdout (what scripts capture). */
  out(line: string): void;
  /** Notes for the person at the terminal, on stderr, so stdout stays clean for scripts. */
  note(line: string): void;
}

export const stdio: Output = {
  out: (line) => process.stdout.write(`${line}\n`),
  note: (line) => process.stderr.write(`${line}\n`),
};

/** The one-line messages of an error, and the exit code it deserves. */
export function describeFailure(err: unknown): { lines: string[]; code: number } {
  if (err instanceof ConfigError) return { lines: err.lines, code: EXIT_USAGE };
  if (err instanceof UsageError) return { lines: [err.message], code: EXIT_USAGE };
  if (err instanceof AppError) return { lines: [err.message], code: err.code === 'invalid_argument' ? EXIT_USAGE : EXIT_FAILURE };
  if (err instanceof Error && SELF_EXPLAINING.has(err.name)) return { lines: [err.message], code: EXIT_FAILURE };
  const message = err instanceof Error ? err.message : String(err);
  return { lines: [`error: ${message}`], code: EXIT_FAILURE };
}

/** Runs `main`, prints a failure as one clear message, and exits with the right code. */
export function runCli(main: () => Promise<void>): void {
  main().then(
    () => process.exit(0),
    (err: unknown) => {
      const { lines, code } = describeFailure(err);
      for (const line of lines) process.stderr.write(`${line}\n`);
      process.exit(code);
    },
  );
}
