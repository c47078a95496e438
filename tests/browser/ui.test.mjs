// The web UI in a real browser (Debian's Chromium) against the real binary: deploy through
// the form and open the site, see a failure explained, reload and lose the connection in
// the middle of a build, and have bad input explained next to its field. Each test saves
// a screenshot of its final state to tests/browser/artifacts/.
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { makeRepo, request, startServer, tempDir, tinyApp } from '../e2e/harness.mjs';
import { launchBrowser, screenshot, startServerAt, waitForStatus } from './browser.mjs';

const PHONE = { width: 390, height: 844 };

let server;
let browser;
let base;

before(async () => {
  server = await startServer();
  base = `http://127.0.0.1:${server.port}`;
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

// Fills the form and clicks Deploy; resolves with the new deployment's id once the page
// shows it.
async function deployThroughForm(page, repoUrl) {
  await page.goto(`${base}/`);
  await page.getByLabel('Git repository URL').fill(repoUrl);
  await page.getByRole('button', { name: 'Deploy' }).click();
  await page.waitForURL(/\/d\/[a-z0-9]{10}$/);
  return new URL(page.url()).pathname.split('/').pop();
}

function logText(page) {
  return page.getByRole('log', { name: 'Build log' }).innerText();
}

// The page never scrolls sideways: everything fits the viewport's width.
async function assertNoHorizontalScroll(page) {
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `the page is ${overflow}px wider than the viewport`);
}

describe('the web UI', () => {
  test('deploys a repository through the form, reaches DEPLOYED and links to the site', async () => {
    const page = await browser.newPage();
    const id = await deployThroughForm(page, makeRepo(tinyApp({ title: 'Hello from the browser test' })));

    const status = await waitForStatus(page, 'DEPLOYED');
    assert.match(status, /DEPLOYED/);
    const siteUrl = `http://${id}.localhost:${server.port}`;
    const link = page.getByRole('link', { name: siteUrl, exact: true });
    await link.waitFor();

    // The timeline has every phase done, with durations; the log holds the build's output.
    const timeline = await page.getByRole('list', { name: 'Phases' }).innerText();
    for (const phase of ['Queued', 'Cloning', 'Installing', 'Building', 'Uploading', 'Ready']) {
      assert.match(timeline, new RegExp(phase));
    }
    assert.match(timeline, /\d+\.\d s/);
    assert.match(await logText(page), /built tiny app/);

    // The recent list shows it, deployed, with its site.
    const recent = page.getByRole('complementary', { name: 'Recent deployments' });
    await recent.getByText('DEPLOYED').first().waitFor();
    await screenshot(page, 'deployed');

    const [site] = await Promise.all([page.context().waitForEvent('page'), link.click()]);
    await site.waitForLoadState();
    assert.equal(new URL(site.url()).hostname, `${id}.localhost`);
    await site.getByRole('heading', { name: 'Hello from the browser test' }).waitFor();
    await screenshot(site, 'deployed-site');
    await site.close();
    await page.close();
  });

  test('a failing repository shows its error prominently', async () => {
    const page = await browser.newPage();
    const repo = makeRepo({
      'package.json': JSON.stringify({ name: 'no-build', version: '1.0.0', scripts: { start: 'node index.js' } }),
      'index.js': 'console.log("hi");\n',
    });
    await deployThroughForm(page, repo);

    await waitForStatus(page, 'ERROR');
    const alert = page.locator('.outcome-error');
    await alert.waitFor();
    const message = await alert.innerText();
    assert.match(message, /The deployment failed/);
    assert.match(message, /build/i);
    // The message the API holds is the one shown.
    const id = new URL(page.url()).pathname.split('/').pop();
    const deployment = await (await fetch(`${base}/deployments/${id}`)).json();
    assert.ok(message.includes(deployment.error.split('\n')[0]), `${message} lacks ${deployment.error}`);
    await screenshot(page, 'error');
    await page.close();
  });

  test('a reload in the middle of a build resumes the log and reaches DEPLOYED (phone-sized)', async () => {
    const page = await browser.newPage({ viewport: PHONE });
    await deployThroughForm(page, makeRepo(tinyApp({ sleepMs: 4000, title: 'Slow app' })));
    await waitForStatus(page, 'building');
    await page.reload();

    // After the reload the page resumes from the API: the status, and the log so far.
    await waitForStatus(page, 'IN_PROGRESS');
    await page.waitForFunction(() => document.querySelector('[role="log"]')?.textContent.includes('Cloning'));
    await waitForStatus(page, 'DEPLOYED');
    const log = await logText(page);
    assert.equal(log.match(/built tiny app/g)?.length, 1, 'each log line once');
    assert.equal(log.match(/\[reactor\] Cloning/g)?.length, 1, 'each log line once');
    const timeline = await page.getByRole('list', { name: 'Phases' }).innerText();
    assert.match(timeline, /Building\s+done\s+[4-9]\.\d s/, timeline);
    await assertNoHorizontalScroll(page);
    await screenshot(page, 'reloaded-phone');
    await page.close();
  });

  test('invalid input is explained next to the field, before and after submission', async () => {
    const page = await browser.newPage();
    await page.goto(`${base}/`);
    const field = page.getByLabel('Git repository URL');

    // Caught in the page.
    await field.fill('github.com/owner/app');
    await page.getByRole('button', { name: 'Deploy' }).click();
    assert.equal(await field.getAttribute('aria-invalid'), 'true');
    const described = await field.getAttribute('aria-describedby');
    const clientMessage = await page.locator(`[id="${described}"]`).innerText();
    assert.match(clientMessage, /not a URL: it needs its scheme, as in https:\/\/github\.com\/owner\/app/);
    assert.equal(new URL(page.url()).pathname, '/');

    // Refused by the API: its 400 message shows next to the field.
    await field.fill('https://someone:secret@example.com/app.git');
    await page.getByRole('button', { name: 'Deploy' }).click();
    await page.locator('.field-repoUrl .field-error', { hasText: 'credentials' }).waitFor();
    const serverMessage = await page.locator(`[id="${await field.getAttribute('aria-describedby')}"]`).innerText();
    assert.match(serverMessage, /repoUrl must not contain credentials/);
    assert.equal(new URL(page.url()).pathname, '/');
    await screenshot(page, 'invalid-input');
    await page.close();
  });

  test('cancel stops a build, and redeploy starts the same repository again', async () => {
    const page = await browser.newPage();
    const repo = makeRepo(tinyApp({ sleepMs: 4000, title: 'Canceled app' }));
    const first = await deployThroughForm(page, repo);
    await waitForStatus(page, 'IN_PROGRESS');
    await page.getByRole('button', { name: 'Cancel' }).click();
    await waitForStatus(page, 'CANCELED');
    await page.getByRole('heading', { name: 'Canceled' }).waitFor();
    assert.equal(await page.getByRole('button', { name: 'Cancel' }).count(), 0);
    await screenshot(page, 'canceled');

    await page.getByRole('button', { name: 'Redeploy' }).click();
    await page.waitForURL((url) => /\/d\/[a-z0-9]{10}$/.test(url.pathname) && !url.pathname.endsWith(first));
    const second = new URL(page.url()).pathname.split('/').pop();
    const deployment = await (await fetch(`${base}/deployments/${second}`)).json();
    assert.equal(deployment.repoUrl, repo);
    await waitForStatus(page, 'DEPLOYED');
    await page.close();
  });

  test('the log follows the output, and stays put once scrolled back', async () => {
    const page = await browser.newPage();
    // A build that prints a line every 25 ms for 5 s.
    const chatty = tinyApp({ sleepMs: 5200, title: 'Chatty app' });
    chatty['build.js'] = `let n = 0; const timer = setInterval(() => console.log('progress line ' + ++n), 25);
setTimeout(() => clearInterval(timer), 5000);\n${chatty['build.js']}`;
    await deployThroughForm(page, makeRepo(chatty));
    const log = page.getByRole('log', { name: 'Build log' });
    await page.waitForFunction(() => document.querySelector('[role="log"]')?.textContent.includes('progress line 40'));

    const position = () => log.evaluate((box) => ({ top: box.scrollTop, bottomGap: box.scrollHeight - box.scrollTop - box.clientHeight }));
    // Following: the newest line is in view.
    assert.ok((await position()).bottomGap <= 24, JSON.stringify(await position()));

    // Scrolled back: new lines arrive below without moving the view.
    await log.evaluate((box) => { box.scrollTop = 0; });
    const before = await log.evaluate((box) => box.scrollHeight);
    await page.waitForFunction((height) => document.querySelector('[role="log"]').scrollHeight > height + 200, before);
    assert.equal((await position()).top, 0);
    const jump = page.getByRole('button', { name: /new lines?|Latest/ });
    await jump.waitFor();

    // Back to the bottom: following again.
    await jump.click();
    await waitForStatus(page, 'DEPLOYED');
    await page.waitForTimeout(200);
    assert.ok((await position()).bottomGap <= 24, JSON.stringify(await position()));
    await page.close();
  });

  test('the form sends every build setting, hides variable values, and a reload keeps each phase total', async () => {
    const page = await browser.newPage();
    const secret = 'greeting-from-the-form';
    const repo = makeRepo({
      'package.json': JSON.stringify({ name: 'settings', scripts: { compile: 'node compile.js' } }),
      'compile.js': `require('fs').mkdirSync('out', { recursive: true });
require('fs').writeFileSync('out/index.html', '<h1>' + process.env.GREETING + '</h1>');`,
    });
    await page.goto(`${base}/`);
    await page.getByLabel('Git repository URL').fill(repo);
    await page.getByRole('button', { name: /build settings/ }).click();
    await page.getByLabel('Build command').fill('npm run compile');
    await page.getByLabel('Output directory').fill('out');
    await page.getByRole('button', { name: 'Add variable' }).click();
    await page.getByLabel('Variable 1 name').fill('GREETING');
    await page.getByLabel('Variable 1 value').fill(secret);
    assert.equal(await page.getByLabel('Variable 1 value').getAttribute('type'), 'password');
    await page.getByRole('button', { name: 'Deploy' }).click();
    await page.waitForURL(/\/d\/[a-z0-9]{10}$/);
    await waitForStatus(page, 'DEPLOYED');
    const id = new URL(page.url()).pathname.split('/').pop();
    const site = await request(server.port, { host: `${id}.localhost:${server.port}` });
    assert.equal(site.body, `<h1>${secret}</h1>`);
    const deployment = await (await fetch(`${base}/deployments/${id}`)).json();
    assert.equal(deployment.build.buildCommand, 'npm run compile');
    assert.equal(deployment.build.outputDir, 'out');
    assert.deepEqual(deployment.settings.env, ['GREETING']);
    assert.ok(!(await page.content()).includes(secret), 'the value is never shown');

    // After a reload, each phase shows its total as the server measured it.
    await page.reload();
    await waitForStatus(page, 'DEPLOYED');
    const timeline = page.getByRole('list', { name: 'Phases' });
    const totals = deployment.build.durationsMs;
    for (const [label, key] of [['Queued', 'queue'], ['Installing', 'install'], ['Building', 'build']]) {
      const text = await timeline.locator('li', { hasText: label }).innerText();
      assert.ok(text.includes(`${(totals[key] / 1000).toFixed(1)} s`), `${label}: ${text} vs ${totals[key]} ms`);
    }
    await page.close();
  });

  test('an unknown deployment page says so', async () => {
    const page = await browser.newPage();
    await page.goto(`${base}/d/zzzzzzzzzz`);
    await page.getByRole('heading', { name: /No deployment/ }).waitFor();
    await page.close();
  });
});

// A port that was free a moment ago, so that a restarted server can listen on it again.
function freePort() {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

describe('a dropped connection', () => {
  test('reconnects, resumes and reaches DEPLOYED after the server restarts mid-build', async () => {
    const port = await freePort();
    const dataDir = tempDir('reactor-browser-restart-');
    const args = ['--lease-timeout', '2s'];
    let restartable = await startServerAt(port, { dataDir, args });
    const page = await browser.newPage();
    try {
      await page.goto(`http://127.0.0.1:${port}/`);
      await page.getByLabel('Git repository URL').fill(makeRepo(tinyApp({ sleepMs: 3000, title: 'Survivor' })));
      await page.getByRole('button', { name: 'Deploy' }).click();
      await waitForStatus(page, 'building');

      await restartable.stop('SIGKILL');
      await page.getByText('Live updates lost').waitFor();
      restartable = await startServerAt(port, { dataDir, args });

      await waitForStatus(page, 'DEPLOYED', 60000);
      await page.getByText('Live updates lost').waitFor({ state: 'detached' });
      assert.match(await logText(page), /built tiny app/);
      await screenshot(page, 'reconnected');
    } finally {
      await page.close();
      await restartable.stop();
    }
  });
});
