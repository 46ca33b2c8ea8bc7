/** Where CLI output goes: the process streams, or a capture in tests. */
export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

export const processIo: CliIo = {
  stdout: (text) => process.stdout.write(text.endsWith('\n') ? text : `${text}\n`),
  stderr: (text) => process.stderr.write(text.endsWith('\n') ? text : `${text}\n`),
};

/** A usage error: exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/**
 * For long-running commands (serve, worker): resolves after the first SIGINT or SIGTERM has run
 * `shutdown` (finish or hand back work, close connections). Errors while stopping are logged, not
 * thrown: the process is leaving either way.
 */
export function runUntilSignal(
  logger: { info(obj: object, msg: string): void; error(obj: object, msg: string): void },
  what: string,
  shutdown: () => Promise<void>,
): Promise<void> {
  return new Promise<void>((resolve) => {
    const stop = (signal: NodeJS.Signals): void => {
      logger.info({ signal }, `${what} stopping`);
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      void shutdown().then(resolve, (err: unknown) => {
        logger.error({ err }, `error while stopping ${what}`);
        resolve();
      });
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}
