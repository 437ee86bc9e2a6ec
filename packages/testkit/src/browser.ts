// Headless Chromium for tests and benchmarks that look at a page as a person would: Debian's
// /usr/bin/chromium driven by puppeteer-core (which never downloads a browser), a fresh profile
// in a temp dir, closed when the test ends. No browser here is a failure, not a quiet skip.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import puppeteer, { type Browser } from 'puppeteer-core';
import { cleanup } from './cleanup.ts';

export const CHROMIUM = process.env.HOLDFAST_CHROMIUM ?? '/usr/bin/chromium';

/** A browser closed (and its profile removed) when the test ends. */
export async function startBrowser(t: Pick<TestContext, 'after'>): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM}: apt-get install chromium (or set HOLDFAST_CHROMIUM)`);
  const profile = mkdtempSync(join(tmpdir(), 'holdfast-chromium-'));
  const browser = await puppeteer.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-dev-shm-usage',
      `--user-data-dir=${profile}`,
    ],
  });
  cleanup(t, async () => {
    await browser.close().catch(() => {});
    rmSync(profile, { recursive: true, force: true, maxRetries: 5, retryDelay: 50 });
  });
  return browser;
}
