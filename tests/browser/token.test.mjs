// The API token in the web UI: a server started with --api-token makes the first change
// ask for it (a wrong one is said to be wrong), the tab keeps it across a reload, "Forget
// token" drops it, and the token travels only in the Authorization header. Without a
// token nothing asks. Screenshots go to tests/browser/artifacts/.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { makeRepo, request, startServer, tinyApp, waitFor } from '../e2e/harness.mjs';
import { launchBrowser, screenshot, waitForStatus } from './browser.mjs';

const TOKEN = 'browser-test-token-7c1d';
const DEPLOYMENT_PATH = /\/d\/[a-z0-9]{10}$/;

let browser;

before(async () => {
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
});

// Every API response the page gets, with the Authorization header its request carried,
// and every console line: to check where the token went.
function recordTraffic(page) {
  const pending = [];
  const consoleLines = [];
  page.on('response', (response) => {
    const request = response.request();
    pending.push(
      request.allHeaders().then((headers) => ({
        method: request.method(),
        url: request.url(),
        path: new URL(request.url()).pathname,
        status: response.status(),
        authorization: headers.authorization,
      })),
    );
  });
  page.on('console', (message) => consoleLines.push(message.text()));
  return {
    responses: () => Promise.all(pending),
    consoleLines,
  };
}

function tokenDialog(page) {
  return page.getByRole('dialog', { name: 'API token required' });
}

async function enterToken(page, token) {
  const dialog = tokenDialog(page);
  await dialog.waitFor();
  await dialog.getByLabel('API token').fill(token);
  await dialog.getByRole('button', { name: 'Continue' }).click();
}

async function isDialogOpen(page) {
  return page.evaluate(() => document.querySelector('dialog[open]') !== null);
}

function deploymentId(page) {
  return new URL(page.url()).pathname.split('/').pop();
}

describe('a server started with --api-token', () => {
  let server;
  let base;

  before(async () => {
    server = await startServer({ args: ['--api-token', TOKEN] });
    base = `http://127.0.0.1:${server.port}`;
  });

  after(async () => {
    await server?.stop();
  });

  test('deploy asks for the token, says a wrong one is wrong, then deploys and is watched live', async () => {
    const page = await browser.newPage();
    const traffic = recordTraffic(page);
    await page.goto(`${base}/`);
    assert.equal(await page.getByRole('button', { name: 'Forget token' }).count(), 0);
    await page.getByLabel('Git repository URL').fill(makeRepo(tinyApp({ sleepMs: 2000, title: 'Guarded app' })));
    await page.getByRole('button', { name: 'Deploy' }).click();

    // The prompt says where the token comes from, hides what is typed and takes the focus.
    const dialog = tokenDialog(page);
    await dialog.waitFor();
    assert.match(await dialog.innerText(), /--api-token/);
    const field = dialog.getByLabel('API token');
    assert.equal(await field.getAttribute('type'), 'password');
    assert.equal(await page.evaluate(() => document.activeElement?.type), 'password');

    await field.fill('not-the-token');
    await dialog.getByRole('button', { name: 'Continue' }).click();
    await dialog.getByRole('alert').filter({ hasText: "not this server's" }).waitFor();
    assert.equal(await field.getAttribute('aria-invalid'), 'true');
    assert.equal(new URL(page.url()).pathname, '/', 'nothing was deployed');
    await screenshot(page, 'token-wrong');

    await field.fill(TOKEN);
    await dialog.getByRole('button', { name: 'Continue' }).click();
    await page.waitForURL(DEPLOYMENT_PATH);
    assert.equal(await isDialogOpen(page), false);
    await waitForStatus(page, 'building');
    await waitForStatus(page, 'DEPLOYED');
    assert.match(await page.getByRole('log', { name: 'Build log' }).innerText(), /built tiny app/);
    await page.getByRole('button', { name: 'Forget token' }).waitFor();
    await screenshot(page, 'token-deployed');

    // Three tries at POST /deploy; the token only ever in the Authorization header.
    const responses = await traffic.responses();
    const deploys = responses.filter((r) => r.path === '/deploy');
    assert.deepEqual(
      deploys.map((r) => [r.status, r.authorization]),
      [
        [401, undefined],
        [401, 'Bearer not-the-token'],
        [202, `Bearer ${TOKEN}`],
      ],
    );
    for (const { url, authorization } of responses) {
      assert.ok(!url.includes(TOKEN), `token in ${url}`);
      if (authorization) assert.equal(new URL(url).origin, base);
    }
    assert.ok(!traffic.consoleLines.some((line) => line.includes(TOKEN)), 'token in the console');
    await page.close();
  });

  test('a new tab asks once, a reload keeps the token, "Forget token" drops it', async () => {
    const created = await request(server.port, {
      method: 'POST',
      path: '/deploy',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
      body: JSON.stringify({ repoUrl: makeRepo(tinyApp({ sleepMs: 8000, title: 'Slow guarded app' })) }),
    });
    assert.equal(created.status, 202, created.body);
    const { id } = JSON.parse(created.body);
    await waitFor(server.port, id);

    // The token is kept per tab: this one asks for it on its first change.
    const page = await browser.newPage();
    const traffic = recordTraffic(page);
    await page.goto(`${base}/d/${id}`);
    await waitForStatus(page, 'DEPLOYED');
    await page.getByRole('button', { name: 'Redeploy' }).click();
    await enterToken(page, TOKEN);
    await page.waitForURL((url) => DEPLOYMENT_PATH.test(url.pathname) && !url.pathname.endsWith(id));

    // After a reload the same tab still holds it: cancel goes through without a prompt.
    await page.reload();
    await waitForStatus(page, 'IN_PROGRESS');
    await page.getByRole('button', { name: 'Forget token' }).waitFor();
    await page.getByRole('button', { name: 'Cancel' }).click();
    await waitForStatus(page, 'CANCELED');
    const cancels = (await traffic.responses()).filter((r) => r.path.endsWith('/cancel'));
    assert.equal(cancels.length, 1, 'one cancel, accepted at once');
    assert.ok(cancels[0].status < 300, `cancel answered ${cancels[0].status}`);

    // Forgotten: the next change asks again; declining says why nothing happened.
    await page.getByRole('button', { name: 'Forget token' }).click();
    assert.equal(await page.getByRole('button', { name: 'Forget token' }).count(), 0);
    assert.equal(await page.evaluate(() => Object.keys(sessionStorage).length), 0);
    await page.getByRole('button', { name: 'Redeploy' }).click();
    const dialog = tokenDialog(page);
    await dialog.waitFor();
    await screenshot(page, 'token-prompt');
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    assert.equal(await isDialogOpen(page), false);
    await page.getByRole('alert').filter({ hasText: 'needs its API token' }).waitFor();
    await screenshot(page, 'token-declined');
    await page.close();
  });
});

describe('a server without a token', () => {
  test('never asks for one', async () => {
    const server = await startServer();
    const page = await browser.newPage();
    try {
      const traffic = recordTraffic(page);
      await page.goto(`http://127.0.0.1:${server.port}/`);
      await page.getByLabel('Git repository URL').fill(makeRepo(tinyApp({ title: 'Open app' })));
      await page.getByRole('button', { name: 'Deploy' }).click();
      await page.waitForURL(DEPLOYMENT_PATH);
      await waitForStatus(page, 'DEPLOYED');
      const first = deploymentId(page);
      await page.getByRole('button', { name: 'Redeploy' }).click();
      await page.waitForURL((url) => DEPLOYMENT_PATH.test(url.pathname) && !url.pathname.endsWith(first));
      await waitForStatus(page, 'DEPLOYED');

      assert.equal(await isDialogOpen(page), false);
      assert.equal(await page.getByRole('button', { name: 'Forget token' }).count(), 0);
      const deploys = (await traffic.responses()).filter((r) => r.path === '/deploy');
      assert.deepEqual(
        deploys.map((r) => [r.status, r.authorization]),
        [
          [202, undefined],
          [202, undefined],
        ],
      );
    } finally {
      await page.close();
      await server.stop();
    }
  });
});
