/**
 * A start-up problem a developer can fix: its message is one line that says what to do, and it is
 * printed without a stack.
 */
export class StartupError extends Error {
  override name = 'StartupError';
}

export const DEFAULT_PORT = 7071;

/** PORT as a TCP port (0 picks a free one); one line naming the variable otherwise. */
export function portFrom(value: string | undefined, name = 'PORT'): number {
  if (value === undefined || value.trim() === '') return DEFAULT_PORT;
  const port = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new StartupError(
      `${name} must be a port number between 1 and 65535, got '${value.slice(0, 40)}': set ${name}=${DEFAULT_PORT} (or another free port) or unset it.`,
    );
  }
  return port;
}

/** Turns the errors of `server.listen` a developer meets into one line; anything else is returned as is. */
export function listenProblem(error: Error, port: number, host: string): Error {
  const { code } = error as NodeJS.ErrnoException;
  if (code === 'EADDRINUSE') {
    return new StartupError(
      `Port ${port} is in use: set PORT to a free port (e.g. PORT=${port === 65_535 ? port - 1 : port + 1} npm start) or stop the other process.`,
    );
  }
  if (code === 'EACCES')
    return new StartupError(
      `Port ${port} needs privileges to listen on: set PORT to a port above 1023 (e.g. PORT=${DEFAULT_PORT} npm start).`,
    );
  if (code === 'EADDRNOTAVAIL')
    return new StartupError(`${host} is not an address of this machine: listen on 127.0.0.1 instead.`);
  return error;
}

/** The first line of an error message, bounded (library errors can carry pages of detail). */
export function firstLine(error: unknown, max = 200): string {
  const text = (error instanceof Error ? error.message : String(error)).split('\n')[0]!.trim();
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
