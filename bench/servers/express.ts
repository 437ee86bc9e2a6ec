// (c) Express 5 with the stack a team would assemble for the same job: pino-http request logs
// to a file, prom-client request metrics by route, probes, and an error handler.
import express, { type NextFunction, type Request, type Response } from 'express';
import { pino } from 'pino';
import { pinoHttp } from 'pino-http';
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

const registry = new Registry();
collectDefaultMetrics({ register: registry });
const requests = new Counter({
  name: 'http_requests_total',
  help: 'requests',
  labelNames: ['method', 'route', 'status'],
  registers: [registry],
});
const duration = new Histogram({
  name: 'http_request_duration_seconds',
  help: 'duration',
  labelNames: ['method', 'route', 'status'],
  registers: [registry],
});

const dest = pino.destination({ dest: process.env.LOG_FILE ?? '/tmp/express-bench.log', sync: false, minLength: 4096 });
const app = express();
app.use(pinoHttp({ logger: pino(dest) }));
app.use((req: Request, res: Response, next: NextFunction) => {
  const start = process.hrtime.bigint();
  res.on('finish', () => {
    const route = (req.route as { path?: string } | undefined)?.path ?? '__unmatched__';
    const labels = { method: req.method, route, status: String(res.statusCode) };
    requests.inc(labels);
    duration.observe(labels, Number(process.hrtime.bigint() - start) / 1e9);
  });
  next();
});
app.get('/', (_req, res) => {
  res.json({ hello: 'world' });
});
app.get('/livez', (_req, res) => {
  res.json({ status: 'ok' });
});
app.get('/readyz', (_req, res) => {
  res.json({ status: 'ok' });
});
app.get('/metrics', async (_req, res) => {
  res.type(registry.contentType).send(await registry.metrics());
});
app.use((err: Error, req: Request, res: Response, _next: NextFunction) => {
  req.log.error({ err }, 'request failed');
  res.status(500).json({ error: 'Internal Server Error' });
});
const server = app.listen(0, '127.0.0.1', () => {
  const addr = server.address();
  console.log(`READY ${typeof addr === 'object' && addr ? addr.port : 0}`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
