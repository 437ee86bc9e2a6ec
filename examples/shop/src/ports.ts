// Where each shop service listens. The demo and the tests set these through the environment.
export function portFrom(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new Error(`${name}='${raw}' is not a port number`);
  return n;
}

export function urlFrom(name: string, fallback: string): string {
  const raw = process.env[name] ?? fallback;
  try {
    return new URL(raw).toString().replace(/\/$/, '');
  } catch {
    throw new Error(`${name}='${raw}' is not a URL`);
  }
}

/**
 * The service's admin port from ADMIN_PORT (0: any free port): probes and metrics move there, and
 * the instance tells the supervisor where, so its dashboard reads each instance on its own port
 * (the main port is a socket the gateway's instances share). Unset: no admin port.
 */
export function adminFrom(name = 'ADMIN_PORT'): { admin?: { port: number; host: string } } {
  if (process.env[name] === undefined || process.env[name] === '') return {};
  return { admin: { port: portFrom(name, 0), host: '127.0.0.1' } };
}
