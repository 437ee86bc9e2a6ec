// The control API's dashboard route, POST /v1/dashboard/login: a one-time sign-in link for
// `holdfast dashboard`. Imported by the daemon at start (this file imports nothing), so a daemon
// without a `dashboard:` section answers with a clear error instead of loading the dashboard.
import type { IncomingMessage, ServerResponse } from 'node:http';

export const isDashboardPath = (p: string): boolean => p === '/v1/dashboard/login';

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) }).end(text);
}

/** `dashboard` is the running dashboard, if the config has one. */
export function serveDashboardControl(
  dashboard: { loginLink(): { url: string; expiresAt: string } } | undefined,
  req: IncomingMessage,
  res: ServerResponse,
): void {
  if (req.method !== 'POST')
    return send(res, 405, { error: { code: 'HOLDFAST_E_BAD_REQUEST', message: `${req.method} is not allowed on /v1/dashboard/login` } });
  if (!dashboard)
    return send(res, 404, {
      error: {
        code: 'HOLDFAST_E_DASHBOARD_OFF',
        message: "the dashboard is off: add a 'dashboard:' section with a port to the config (docs/dashboard.md) and restart the daemon",
      },
    });
  req.resume();
  send(res, 200, dashboard.loginLink());
}
