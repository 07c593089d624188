import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Express } from 'express';
import { chromium, type Browser } from 'playwright-core';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

/**
 * Browser tests run when Debian's Chromium is installed. Locally a missing browser skips them with a
 * notice; with CI=true it fails the run, so CI can never pass without having run them.
 */
export function browserAvailable(): boolean {
  const present = fs.existsSync(CHROMIUM_PATH);
  if (!present && process.env.CI === 'true') {
    throw new Error(`CI=true but no Chromium at ${CHROMIUM_PATH}: install Debian's chromium package (see .ci/run)`);
  }
  if (!present) process.stderr.write(`\n[browser tests skipped] no Chromium at ${CHROMIUM_PATH}; apt-get install chromium to run them\n`);
  return present;
}

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: FLAGS });
}

/** Serves the app on a free loopback port for a real browser. */
export async function listen(app: Express): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

export const SCREENSHOT_DIR = 'test-results/screenshots';
