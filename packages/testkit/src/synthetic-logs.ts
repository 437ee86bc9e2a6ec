// A deterministic mix of the lines services write, for bench:insight's throughput run: pino and
// Go slog JSON (half), logfmt, and plain lines with a log4j-style or a syslog header; 40 message
// shapes filled with ids, addresses, durations and names from a seeded generator.
import { seededRandom } from './random.ts';

const NAMES = [
  'alice',
  'bob',
  'carol',
  'dave',
  'erin',
  'frank',
  'grace',
  'heidi',
  'ivan',
  'judy',
  'mallory',
  'oscar',
  'peggy',
  'trent',
  'victor',
  'walter',
];
const TABLES = ['orders', 'users', 'payments', 'inventory', 'sessions', 'carts'];
const ROUTES = ['/api/orders', '/api/users', '/api/cart', '/api/checkout', '/healthz', '/api/search'];

type Fill = (r: () => number) => string;
const int = (r: () => number, n: number) => Math.floor(r() * n);
const ip = (r: () => number) => `10.${int(r, 256)}.${int(r, 256)}.${int(r, 256)}`;
const hex = (r: () => number, n: number) => Array.from({ length: n }, () => '0123456789abcdef'[int(r, 16)]).join('');
const uuid = (r: () => number) => `${hex(r, 8)}-${hex(r, 4)}-4${hex(r, 3)}-a${hex(r, 3)}-${hex(r, 12)}`;
const pick = <T>(r: () => number, xs: T[]) => xs[int(r, xs.length)]!;

const MESSAGES: [number, Fill][] = [
  [30, (r) => `GET ${pick(r, ROUTES)}/${int(r, 100000)} 200 in ${int(r, 900)}ms`],
  [30, (r) => `POST ${pick(r, ROUTES)} 201 in ${int(r, 900)}ms`],
  [30, (r) => `user ${pick(r, NAMES)} logged in from ${ip(r)}`],
  [30, (r) => `user ${pick(r, NAMES)} logged out after ${int(r, 3600)} s`],
  [30, (r) => `order ${int(r, 1e6)} placed for ${int(r, 500)}.${int(r, 100)} EUR by ${pick(r, NAMES)}`],
  [30, (r) => `cache hit for key user:${int(r, 1e5)}`],
  [20, (r) => `cache miss for key session:${hex(r, 16)}`],
  [40, (r) => `slow query on table ${pick(r, TABLES)} took ${int(r, 5000)} ms`],
  [50, (r) => `connection refused to ${ip(r)}:${5432 + int(r, 3)}`],
  [40, (r) => `retrying request ${uuid(r)} attempt ${1 + int(r, 5)} of 5`],
  [50, (r) => `payment declined for card ending ${1000 + int(r, 9000)}: insufficient funds`],
  [30, (r) => `job report_${int(r, 1e4)} finished in ${int(r, 60)}.${int(r, 1000)}s`],
  [30, (r) => `worker ${int(r, 16)} picked task ${uuid(r)} from queue ${pick(r, TABLES)}`],
  [20, (r) => `sending ${int(r, 1e5)} bytes to ${ip(r)}:${1024 + int(r, 60000)}`],
  [30, (r) => `inventory for sku ${hex(r, 10)} set to ${int(r, 1000)}`],
  [40, (r) => `rate limit reached for client ${ip(r)} on ${pick(r, ROUTES)}`],
  [30, (r) => `scheduled backup of ${pick(r, TABLES)} at ${int(r, 24)}:${int(r, 60)}`],
  [50, (r) => `upstream ${pick(r, ['inventory', 'payments', 'search'])} returned 503 after ${int(r, 3000)} ms`],
  [30, (r) => `health check ok (${int(r, 100)} checks, ${int(r, 5)} slow)`],
  [20, (r) => `db pool: ${int(r, 50)} active, ${int(r, 50)} idle, ${int(r, 10)} waiting`],
  [30, (r) => `email sent to ${pick(r, NAMES)}@example.org with template ${pick(r, ['welcome', 'receipt', 'reset'])}`],
  [40, (r) => `disk usage on /var/lib/data at ${50 + int(r, 50)}%`],
  [30, (r) => `config reloaded from /etc/shop/${pick(r, ['app', 'rules', 'routes'])}.yaml in ${int(r, 50)} ms`],
  [50, (r) => `failed to parse message ${int(r, 1e6)}: unexpected token at position ${int(r, 200)}`],
  [30, (r) => `checkout ${uuid(r)} completed, ${1 + int(r, 9)} items`],
  [30, (r) => `search for "${pick(r, ['shoes', 'hat', 'coat', 'bag'])}" returned ${int(r, 500)} results in ${int(r, 200)} ms`],
  [20, (r) => `span ${hex(r, 16)} ended in ${int(r, 1000)} us`],
  [40, (r) => `certificate for shop.example.com expires in ${int(r, 30)} days`],
  [30, (r) => `websocket ${int(r, 1e5)} opened by ${ip(r)}`],
  [30, (r) => `websocket ${int(r, 1e5)} closed with code ${1000 + int(r, 12)}`],
  [50, (r) => `unhandled rejection in handler ${pick(r, ROUTES)}: timeout after ${int(r, 30)}s`],
  [30, (r) => `feature flag ${pick(r, ['new-cart', 'fast-search', 'dark-mode'])} is ${pick(r, ['on', 'off'])} for ${pick(r, NAMES)}`],
  [20, (r) => `gc pause ${int(r, 50)}.${int(r, 10)} ms, heap ${int(r, 500)} MB`],
  [30, (r) => `shipment ${hex(r, 12)} handed to carrier ${pick(r, ['dhl', 'ups', 'gls'])}`],
  [40, (r) => `queue ${pick(r, TABLES)} depth ${int(r, 10000)} above 1000`],
  [30, (r) => `token refreshed for client ${hex(r, 8)} valid until ${int(r, 24)}:${int(r, 60)}:${int(r, 60)}`],
  [30, (r) => `price of sku ${hex(r, 10)} changed from ${int(r, 100)} to ${int(r, 100)}`],
  [20, (r) => `lock ${pick(r, TABLES)}:${int(r, 100)} acquired in ${int(r, 100)} ms`],
  [50, (r) => `write to ${pick(r, TABLES)} failed: deadlock detected, transaction ${int(r, 1e7)} rolled back`],
  [30, (r) => `started ${pick(r, ['api', 'worker', 'scheduler'])} version 2.${int(r, 20)}.${int(r, 10)} on port ${8000 + int(r, 100)}`],
];

const LEVEL_WORDS: Record<number, string> = { 20: 'debug', 30: 'info', 40: 'warn', 50: 'error' };

/** `n` log lines (each ending in '\n'), the same for the same seed. */
export function syntheticLines(n: number, seed = 42): string[] {
  const r = seededRandom(seed);
  const out: string[] = new Array<string>(n);
  let t = Date.UTC(2026, 4, 1, 10, 0, 0);
  for (let i = 0; i < n; i++) {
    t += int(r, 20);
    const [level, fill] = MESSAGES[int(r, MESSAGES.length)]!;
    const msg = fill(r);
    const word = LEVEL_WORDS[level]!;
    const iso = new Date(t).toISOString();
    const kind = r();
    if (kind < 0.3) {
      const err =
        level === 50 ? `,"err":{"type":"Error","message":"${msg.split(':')[0]}","stack":"Error: x\\n    at y (file.js:1:2)"}` : '';
      out[i] =
        `{"level":${level},"time":${t},"pid":${1000 + int(r, 50)},"hostname":"web-${int(r, 8)}","msg":${JSON.stringify(msg)}${err}}\n`;
    } else if (kind < 0.5) {
      out[i] = `{"time":"${iso}","level":"${word.toUpperCase()}","msg":${JSON.stringify(msg)},"trace_id":"${hex(r, 16)}"}\n`;
    } else if (kind < 0.65) {
      out[i] = `time=${iso} level=${word} msg=${JSON.stringify(msg)} request_id=${hex(r, 12)}\n`;
    } else if (kind < 0.9) {
      out[i] =
        `${iso.replace('T', ' ').replace('Z', '').replace('.', ',')} ${word.toUpperCase()} ` +
        `[worker-${int(r, 8)}] ` +
        `shop.${pick(r, ['Orders', 'Users', 'Api', 'Jobs'])}: ${msg}\n`;
    } else {
      const d = new Date(t);
      const mon = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'][d.getUTCMonth()];
      out[i] = `${mon} ${String(d.getUTCDate()).padStart(2)} ${iso.slice(11, 19)} shop-${int(r, 4)} app[${1000 + int(r, 50)}]: ${msg}\n`;
    }
  }
  return out;
}
