// The check that spans the `scrape:` section and the `alerts:` / `slos:` sections when the daemon
// evaluates the rules itself: the windows of the rules were checked against alerts.scrapeInterval
// (no window shorter than two scrapes), so the daemon must scrape at least that often. Runs in the
// config-loading child with the rest of the schema.
import type { z } from 'zod';

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const seconds = (ms: number) => `${+(ms / 1000).toFixed(3)}s`;

export function checkDaemonAlerts(value: unknown, ctx: z.RefinementCtx): void {
  if (!isObj(value) || !isObj(value.scrape) || (value.alerts === undefined && value.slos === undefined)) return;
  const scrape = value.scrape.interval;
  const alerts = isObj(value.alerts) ? value.alerts.scrapeInterval : undefined;
  // Both are in ms after the schema; alerts.scrapeInterval defaults to 15 s.
  const declared = typeof alerts === 'number' ? alerts : 15_000;
  if (typeof scrape === 'number' && scrape > declared) {
    ctx.addIssue({
      code: 'custom',
      path: ['scrape', 'interval'],
      message:
        `the daemon evaluates the alerts:/slos: rules over its scrapes, ` +
        `every ${seconds(scrape)}, but their ` +
        `windows were checked against ` +
        (`alerts.scrapeInterval ${seconds(declared)}: set ` +
          `alerts.scrapeInterval: ${seconds(scrape)} (windows are then ` +
          `checked against it) or scrape at least every ${seconds(declared)}`),
    });
  }
}
