/**
 * Headless Chromium for browser tests: Debian's `chromium` (installed by .ci/run) driven by
 * playwright-core, which downloads no browser of its own. A page records its console errors and
 * failed requests, so a test can assert that a page opened cleanly.
 */

import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { ThreatlabError } from '../errors.ts';

const CHROMIUM = process.env.THREATLAB_CHROMIUM ?? '/usr/bin/chromium';

/** Launches headless Chromium, or says how to install it. */
export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new ThreatlabError('not-found', `${CHROMIUM} is missing: browser tests need Debian's chromium (apt-get install -y chromium; .ci/run installs it) or THREATLAB_CHROMIUM=/path/to/chromium`);
  return chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu'] });
}

/** A page that collects console errors, page errors and failed requests. */
export async function watchedPage(browser: Browser): Promise<{ page: Page; problems: string[] }> {
  const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
  const problems: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console: ${message.text()}`);
  });
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('requestfailed', (request) => problems.push(`request failed: ${request.url()}`));
  return { page, problems };
}

/** Where browser tests save their screenshots (ignored by git). */
export function screenshotFolder(test: string): string {
  const folder = join(import.meta.dirname, '..', '..', 'test-output', 'browser', test);
  mkdirSync(folder, { recursive: true });
  return folder;
}
