// Helpers of the browser tests: Debian's Chromium driven by playwright-core, with a fresh
// profile per browser, and screenshots saved as test artifacts.
import { spawn } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { tempDir } from '../e2e/harness.mjs';

const BIN = process.env.REACTOR_BIN ?? new URL('../../build/reactor', import.meta.url).pathname;
const CHROMIUM = process.env.CHROMIUM_BIN ?? '/usr/bin/chromium';
export const ARTIFACTS = new URL('./artifacts/', import.meta.url).pathname;

const ARGS = [
  '--no-sandbox',
  '--headless',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

// A Chromium with its own profile directory and any further command-line `args`; close()
// removes it.
export async function launchBrowser({ args = [] } = {}) {
  const profile = tempDir('reactor-chromium-');
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: [...ARGS, ...args],
    viewport: { width: 1280, height: 900 },
  });
  return {
    context,
    async newPage({ viewport } = {}) {
      const page = await context.newPage();
      if (viewport) await page.setViewportSize(viewport);
      // Surface the page's own errors in the test output.
      page.on('pageerror', (error) => console.error(`[page error] ${error.message}`));
      return page;
    },
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

export async function screenshot(page, name) {
  mkdirSync(ARTIFACTS, { recursive: true });
  const path = join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

// Waits until the role="status" element's text contains `word`; returns that text.
export async function waitForStatus(page, word, timeoutMs = 90000) {
  const status = page.getByRole('status');
  await page.waitForFunction(
    (expected) => document.querySelector('[role="status"]')?.textContent.includes(expected),
    word,
    { timeout: timeoutMs, polling: 100 },
  );
  return status.textContent();
}

// `reactor serve` on a given port (harness.mjs's startServer always picks a free one), so
// that a restarted server comes back where the page expects it. Resolves once it listens.
export async function startServerAt(port, { dataDir, args = [] }) {
  const argv = ['serve', '--listen', `127.0.0.1:${port}`, '--data-dir', dataDir, '--allow-local-repos', ...args];
  const child = spawn(BIN, argv, { stdio: ['ignore', 'ignore', 'pipe'] });
  let output = '';
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${output}`)), 20000);
    child.stderr.on('data', (chunk) => {
      output += chunk;
      if (/reactor\.serving/.test(output)) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.on('exit', (code) => reject(new Error(`server exited with ${code}:\n${output}`)));
  });
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  return {
    port,
    output: () => output,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}
