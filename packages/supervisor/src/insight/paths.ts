// Which control-API paths belong to the incident loop. Imported by the daemon at start (this file
// imports nothing), so a daemon without an `incidents:` section answers them with a clear 404
// instead of loading the loop.
import type { ServerResponse } from 'node:http';

export function isIncidentsPath(p: string): boolean {
  return (
    p.startsWith('/v1/incidents') ||
    p === '/v1/signals' ||
    p === '/v1/alertmanager' ||
    p.startsWith('/v1/alerts/') ||
    p === '/v1/notifications'
  );
}

export function incidentsOff(res: ServerResponse): void {
  const text = JSON.stringify({
    error: {
      code: 'HOLDFAST_E_INCIDENTS_OFF',
      message: "the incident loop is off: add an 'incidents:' section to the config (docs/incidents.md) and restart the daemon",
    },
  });
  res.writeHead(404, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) }).end(text);
}
