// A deployed app loaded by Chromium over HTTPS: the page and every resource it loads come
// over HTTP/2 (nextHopProtocol 'h2') and none fails.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import https from 'node:https';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { makeRepo, makeTestCa, makeTestCertificate, startServer, tempDir, tinyApp, until } from '../e2e/harness.mjs';
import { launchBrowser, screenshot } from './browser.mjs';

const domain = 'h2.localhost';
let server;
let browser;
let httpsPort;
let ca;

// A JSON call to the API over HTTPS (plain HTTP redirects there): {status, json}.
function api(method, path, body) {
  return new Promise((resolve, reject) => {
    const req = https.request({ host: '127.0.0.1', port: httpsPort, servername: 'localhost', ca, method, path,
      headers: { host: `localhost:${httpsPort}`, 'content-type': 'application/json' } }, (res) => {
      const chunks = [];
      res.on('data', (chunk) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode, json: JSON.parse(Buffer.concat(chunks).toString()) }));
    });
    req.on('error', reject);
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

before(async () => {
  const dir = tempDir('reactor-h2-browser-');
  makeTestCa(dir);
  makeTestCertificate(dir, 'server', '0x1001', domain);
  ca = readFileSync(join(dir, 'ca.pem'));
  server = await startServer({ args: ['--listen-https', '127.0.0.1:0', '--tls-cert', join(dir, 'server.pem'),
    '--tls-key', join(dir, 'server.key'), '--domain', domain] });
  httpsPort = Number((await server.logged(/reactor\.serving_https\W+url\W+https:\/\/[^:\s"]+:(\d+)/))[1]);
  // The test CA is not in Chromium's store; what is checked here is the protocol.
  browser = await launchBrowser({ args: ['--ignore-certificate-errors'] });
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

test('Chromium loads a deployed app over h2 with no failed request', async () => {
  const posted = await api('POST', '/deploy', { repoUrl: makeRepo(tinyApp({ title: 'Over h2' })) });
  assert.equal(posted.status, 202, JSON.stringify(posted.json));
  await until('the deployment', async () => {
    const { json } = await api('GET', `/deployments/${posted.json.id}`);
    assert.notEqual(json.status, 'ERROR', JSON.stringify(json));
    return json.status === 'DEPLOYED';
  }, 120000);

  const page = await browser.newPage();
  const failed = [];
  page.on('requestfailed', (request) => failed.push(`${request.url()}: ${request.failure()?.errorText}`));
  const response = await page.goto(`https://${posted.json.id}.${domain}:${httpsPort}/`, { waitUntil: 'load' });
  assert.equal(response.status(), 200);
  await page.getByRole('heading', { name: 'Over h2' }).waitFor();
  const protocols = await page.evaluate(() => [
    ...performance.getEntriesByType('navigation'),
    ...performance.getEntriesByType('resource'),
  ].map((entry) => [entry.name, entry.nextHopProtocol]));
  await screenshot(page, 'http2-site');
  assert.ok(protocols.length >= 2, JSON.stringify(protocols));
  for (const [name, protocol] of protocols) assert.equal(protocol, 'h2', name);
  assert.deepEqual(failed, []);
});
