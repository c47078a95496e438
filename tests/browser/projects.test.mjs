// Projects in the web UI, in a real browser against the real binary: create one, deploy
// its production branch, see a new release appear live, promote an older one and roll
// back with a confirmation each, and change its settings, with a bad value explained.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHmac } from 'node:crypto';
import http from 'node:http';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { makeRepo, request, siteApp, startServer, waitFor } from '../e2e/harness.mjs';
import { launchBrowser, screenshot, waitForStatus } from './browser.mjs';

let server;
let browser;
let base;
let repoDir;

before(async () => {
  server = await startServer();
  base = `http://127.0.0.1:${server.port}`;
  browser = await launchBrowser();
  repoDir = makeRepo(siteApp({ 'index.html': '<h1>v1</h1>' })).slice('file://'.length);
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

function commit(text) {
  const git = (...args) => execFileSync('git', args, { cwd: repoDir, stdio: 'pipe' });
  writeFileSync(join(repoDir, 'build.js'), siteApp({ 'index.html': `<h1>${text}</h1>` })['build.js']);
  git('-c', 'user.name=Test', '-c', 'user.email=test@example.com', 'commit', '-q', '-am', text);
}

// The ids the page lists with the "Production" badge.
async function productionIds(page) {
  return page.locator('.branch-item', { has: page.locator('.badge-production') }).locator('a').allInnerTexts();
}

describe('projects in the web UI', () => {
  test('create a project, deploy it, and follow a new release live', async () => {
    const page = await browser.newPage();
    await page.goto(`${base}/p`);
    await page.getByRole('button', { name: 'Create project' }).click();
    await page.getByText('Give the project a name').waitFor();

    await page.getByLabel('Project name').fill('Shop');
    await page.getByLabel('Repository URL').fill(`file://${repoDir}`);
    await page.getByLabel('Production branch').fill('main');
    await page.getByRole('button', { name: 'Create project' }).click();
    await page.getByText(/lowercase letters, digits and single hyphens/).waitFor();

    await page.getByLabel('Project name').fill('shop');
    await page.getByRole('button', { name: 'Create project' }).click();
    await page.waitForURL(/\/p\/shop$/);
    await page.getByText('Not live yet').waitFor();
    // The project's Git webhook secret, made with it, is shown on the page it opens, once.
    const webhookSecret = await page.locator('.confirm .hook-url').innerText();
    assert.match(webhookSecret, /^[0-9a-f]{64}$/);

    await page.getByRole('button', { name: 'Deploy', exact: true }).click();
    await page.waitForURL(/\/d\/[a-z0-9]{10}$/);
    await waitForStatus(page, 'DEPLOYED');
    const first = new URL(page.url()).pathname.split('/').pop();

    // The project page follows the project: a build started elsewhere shows up and takes
    // production when it succeeds.
    await page.goto(`${base}/p/shop`);
    await page.getByRole('link', { name: `http://shop.localhost:${server.port}` }).waitFor();
    assert.deepEqual(await productionIds(page), [first]);
    assert.ok(!(await page.content()).includes(webhookSecret), 'the secret is not shown again');
    // The branch's own hostname is listed with the previews.
    await page.getByRole('list', { name: 'Previews' }).getByRole('link', { name: `http://shop--main.localhost:${server.port}` }).waitFor();
    commit('v2');
    const res = await request(server.port, { method: 'POST', path: '/projects/shop/deployments', headers: { 'content-type': 'application/json' }, body: '{}' });
    const second = JSON.parse(res.body).id;
    await waitFor(server.port, second);
    await page.waitForFunction((id) => document.querySelector('.badge-production')?.closest('li')?.textContent.includes(id), second, { timeout: 20000 });
    assert.equal(await page.getByRole('list', { name: 'Deployments of main' }).locator('li').count(), 2);
    await screenshot(page, 'project-page');
    await page.close();
  });

  test('promote and roll back ask first, then move production and say so', async () => {
    const page = await browser.newPage();
    await page.goto(`${base}/p/shop`);
    const list = page.getByRole('list', { name: 'Deployments of main' });
    await list.locator('li').nth(1).waitFor();
    const ids = await list.locator('li a').allInnerTexts();
    const [newest, older] = ids;
    assert.deepEqual(await productionIds(page), [newest]);

    await page.getByRole('button', { name: 'Roll back' }).click();
    const dialog = page.getByRole('alertdialog');
    await dialog.getByText(`back to the deployment before ${newest}`).waitFor();
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    assert.deepEqual(await productionIds(page), [newest], 'canceling changes nothing');

    await page.getByRole('button', { name: 'Roll back' }).click();
    await page.getByRole('button', { name: 'Yes, roll back' }).click();
    await page.getByText(/Rolled back: new builds of main are not going live/).waitFor();
    assert.deepEqual(await productionIds(page), [older]);
    await screenshot(page, 'project-rolled-back');

    await page.getByRole('button', { name: `Promote ${newest}` }).click();
    await page.getByRole('alertdialog').getByText(`at deployment ${newest}`).waitFor();
    await page.getByRole('button', { name: 'Yes, promote' }).click();
    await page.getByText(/Rolled back/).waitFor({ state: 'detached' });
    assert.deepEqual(await productionIds(page), [newest]);
    const project = JSON.parse((await request(server.port, { path: '/projects/shop' })).body);
    assert.equal(project.productionDeploymentId, newest);
    assert.equal(project.autoPromote, true);
    await page.close();
  });

  test('settings are saved, shown again after a reload, and a bad value is explained', async () => {
    const page = await browser.newPage();
    await page.goto(`${base}/p/shop`);
    await page.getByRole('link', { name: 'Settings' }).click();
    await page.waitForURL(/\/p\/shop\/settings$/);
    await page.getByLabel('Build command').fill('npm run build:prod');
    await page.getByLabel('Put each successful build').check();
    await page.getByLabel('Build each pushed tag').check();
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page.getByText('Saved.').waitFor();

    await page.reload();
    assert.equal(await page.getByLabel('Build command').inputValue(), 'npm run build:prod');
    assert.equal(await page.getByLabel('Put each successful build').isChecked(), true);
    assert.equal(await page.getByLabel('Build each pushed tag').isChecked(), true);
    assert.equal(await page.getByLabel('Build pull requests from forks').isChecked(), false);

    await page.getByLabel('Skew protection window (days)').fill('500');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page.getByRole('alert').getByText(/skewWindowDays/).waitFor();
    await page.getByLabel('Who must sign in').selectOption('all');

    // A variable: saved, listed by name and scopes, its value never shown again.
    const secret = 'value-typed-once';
    await page.getByLabel('Name', { exact: true }).fill('API_KEY');
    await page.getByLabel('Value', { exact: true }).fill(secret);
    await page.getByRole('checkbox', { name: 'Previews' }).uncheck();
    await page.getByRole('button', { name: 'Save variable' }).click();
    await page.getByText('Saved API_KEY.').waitFor();
    const variables = page.getByRole('list', { name: 'Variables' });
    await variables.getByText('API_KEY').waitFor();
    assert.match(await variables.innerText(), /production/);
    assert.doesNotMatch(await variables.innerText(), /preview/);
    assert.ok(!(await page.content()).includes(secret), 'the value is not on the page');
    await page.getByLabel('Name', { exact: true }).fill('BAD NAME');
    await page.getByLabel('Value', { exact: true }).fill('x');
    await page.getByRole('button', { name: 'Save variable' }).click();
    await page.getByRole('alert').filter({ hasText: /name/i }).waitFor();
    await screenshot(page, 'project-settings');

    await page.getByRole('button', { name: 'Remove API_KEY' }).click();
    await page.getByText('No variables yet.').waitFor();

    // A custom domain: listed with the record its DNS needs; Reactor's own domain refused.
    await page.getByLabel('Domain', { exact: true }).fill('www.example.test');
    await page.getByRole('button', { name: 'Add domain' }).click();
    const domains = page.getByRole('list', { name: 'Custom domains' });
    await domains.getByText('www.example.test').waitFor();
    assert.match(await domains.innerText(), /Waiting for DNS[\s\S]*CNAME\s*shop\.localhost/);
    await page.getByLabel('Domain', { exact: true }).fill('shop.localhost');
    await page.getByRole('button', { name: 'Add domain' }).click();
    await page.getByRole('alert').filter({ hasText: /Reactor's own domain/ }).waitFor();
    await page.getByRole('button', { name: 'Remove domain www.example.test' }).click();
    await page.getByText('No custom domains yet.').waitFor();

    // A deploy hook: its URL shown once, and calling it builds the branch.
    await page.getByLabel('Hook name').fill('cms-publish');
    await page.getByRole('button', { name: 'Add hook' }).click();
    const url = await page.locator('.confirm .hook-url').innerText();
    assert.match(url, new RegExp(`^${base}/deploy-hooks/[0-9a-f]{64}$`));
    await page.getByRole('list', { name: 'Deploy hooks' }).getByText('builds main').waitFor();
    const called = await request(server.port, { method: 'POST', path: new URL(url).pathname });
    assert.equal(called.status, 202, called.body);
    await page.getByRole('button', { name: 'Remove hook cms-publish' }).click();
    await page.getByText('No deploy hooks yet.').waitFor();
    assert.equal((await request(server.port, { method: 'POST', path: new URL(url).pathname })).status, 404);
    await page.close();
  });

  test('Git webhooks show their payload URLs and a new secret once; notifications list their deliveries', async () => {
    const receiver = await new Promise((resolve) => {
      const listening = http.createServer((req, res) => req.resume().on('end', () => res.writeHead(204).end()));
      listening.listen(0, '127.0.0.1', () => resolve(listening));
    });
    const page = await browser.newPage();
    await page.goto(`${base}/p/shop/settings`);
    const urls = page.getByRole('list', { name: 'Payload URLs' });
    await urls.getByText(`${base}/hooks/github/shop`).waitFor();
    await urls.getByText(`${base}/hooks/gitlab/shop`).waitFor();
    await page.getByRole('button', { name: 'Make a new secret' }).click();
    const secret = await page.locator('.confirm .hook-url').innerText();
    assert.match(secret, /^[0-9a-f]{64}$/);
    const body = '{"zen":"Non-blocking is better than blocking."}';
    const ping = await request(server.port, {
      method: 'POST',
      path: '/hooks/github/shop',
      headers: {
        'content-type': 'application/json',
        'x-github-event': 'ping',
        'x-github-delivery': 'browser-ping-1',
        'x-hub-signature-256': `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`,
      },
      body,
    });
    assert.equal(ping.status, 200, ping.body);
    await page.reload();
    await page.getByRole('table', { name: 'Latest webhook deliveries' }).getByText('200 pong').waitFor();

    await page.getByLabel('URL', { exact: true }).fill(`http://127.0.0.1:${receiver.address().port}/in`);
    // The build command set above fails the build: its error is what gets announced.
    await page.getByRole('checkbox', { name: 'deployment.ready' }).check();
    await page.getByRole('checkbox', { name: 'deployment.error' }).check();
    await page.getByRole('button', { name: 'Add endpoint' }).click();
    const notifications = page.getByRole('region', { name: 'Notifications' });
    assert.match(await notifications.locator('.confirm .hook-url').innerText(), /^whsec_/);
    await page.getByRole('list', { name: 'Notification endpoints' }).getByText('deployment.ready, deployment.error').waitFor();
    const queued = await request(server.port, {
      method: 'POST', path: '/projects/shop/deployments', headers: { 'content-type': 'application/json' }, body: '{}',
    });
    assert.equal(queued.status, 202, queued.body);
    await waitFor(server.port, JSON.parse(queued.body).id);
    for (let tries = 0; ; tries++) {
      await page.reload();
      // The endpoints and the deliveries come in one answer: once the list shows, so has the table.
      await page.getByRole('list', { name: 'Notification endpoints' }).waitFor();
      const table = page.getByRole('table', { name: 'Latest deliveries' });
      if ((await table.count()) > 0 && /delivered/.test(await table.innerText())) break;
      assert.ok(tries < 40, `the delivery shows as delivered: ${(await request(server.port, { path: '/projects/shop/notifications' })).body}`);
      await new Promise((r) => setTimeout(r, 250));
    }
    await screenshot(page, 'project-hooks');
    await page.getByRole('button', { name: /^Remove http:/ }).click();
    await page.getByText('No notification endpoints yet.').waitFor();
    await page.close();
    receiver.close();
  });
});
