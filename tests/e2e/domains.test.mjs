// Custom domains against the real binary, with Debian's pebble-challtestsrv as the DNS
// server Reactor asks (--dns-resolver): a domain waits, saying what to set, until its
// CNAME names the project's production hostname or its A records this server's
// --public-ip; then the edge serves production on it, and after its removal no more. An
// active domain is checked again (--domain-recheck): one whose DNS moved away stays served,
// saying what to fix. A domain of another project, Reactor's own and malformed ones are
// refused.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { after, before, test } from 'node:test';
import { callApi, makeRepo, request, runCli, siteApp, startServer, until, waitFor } from './harness.mjs';

const TOKEN = 'domains-test-token';
const PUBLIC_IP = '192.0.2.10';

let server;
let dns;
let managementPort;

function freePort() {
  return new Promise((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

// Tells challtestsrv what to answer (its management API: /set-cname, /add-a, /clear-a, …).
async function setDns(action, body) {
  const res = await fetch(`http://127.0.0.1:${managementPort}/${action}`, { method: 'POST', body: JSON.stringify(body) });
  assert.equal(res.status, 200, `${action}: ${await res.text()}`);
}

const api = (...args) => callApi(server.port, TOKEN, ...args);
const cli = (...args) => runCli(server.port, TOKEN, ...args);
const visit = (host) => request(server.port, { host });

async function domainOf(project, domain) {
  const listed = await api('GET', `/projects/${project}/domains`);
  assert.equal(listed.status, 200, listed.body);
  return listed.json.domains.find((d) => d.domain === domain);
}

before(async () => {
  const dnsPort = await freePort();
  managementPort = await freePort();
  // No default answers: a name has only the records a test gives it.
  dns = spawn('pebble-challtestsrv', [
    '-dns01', `127.0.0.1:${dnsPort}`, '-management', `127.0.0.1:${managementPort}`,
    '-http01', '', '-https01', '', '-tlsalpn01', '', '-defaultIPv4', '', '-defaultIPv6', '',
  ], { stdio: 'ignore' });
  await until('challtestsrv to listen', async () => {
    try {
      return (await fetch(`http://127.0.0.1:${managementPort}/clear-request-history`, { method: 'POST', body: '{"host":"x","type":"dns"}' })).ok || true;
    } catch {
      return false;
    }
  }, 20000);
  server = await startServer({ args: ['--api-token', TOKEN, '--dns-resolver', `127.0.0.1:${dnsPort}`, '--public-ip', PUBLIC_IP,
    '--domain-recheck', '1s'] });
  for (const name of ['shop', 'blog']) {
    const created = await api('POST', '/projects', { name, repoUrl: makeRepo(siteApp({ 'index.html': `<h1>${name} live</h1>` })), productionBranch: 'main' });
    assert.equal(created.status, 201, created.body);
  }
  const deployed = await api('POST', '/projects/shop/deployments', {});
  assert.equal((await waitFor(server.port, deployed.json.id)).status, 'DEPLOYED');
});
after(async () => {
  await server?.stop();
  dns?.kill();
});

test('a domain waits for its CNAME, saying what to set, then serves production until removed', async () => {
  const added = await api('POST', '/projects/shop/domains', { domain: 'WWW.Example.Test.' });
  assert.equal(added.status, 202, added.body);
  assert.equal(added.json.domain, 'www.example.test');
  assert.equal(added.json.state, 'pending_dns');
  assert.deepEqual(added.json.dns, { cname: 'shop.localhost', addresses: [PUBLIC_IP] });

  const waiting = await until('the first DNS check', async () => {
    const domain = await domainOf('shop', 'www.example.test');
    return domain.checkedAt && domain;
  });
  assert.equal(waiting.state, 'pending_dns');
  assert.match(waiting.error, /no CNAME, A or AAAA record yet: add a CNAME record for www\.example\.test to shop\.localhost/);
  assert.doesNotMatch((await visit('www.example.test')).body, /shop live/);

  await setDns('set-cname', { host: 'www.example.test.', target: 'elsewhere.example.net.' });
  await until('the wrong CNAME to be reported', async () => /is a CNAME to elsewhere\.example\.net/.test((await domainOf('shop', 'www.example.test')).error ?? ''));
  await setDns('set-cname', { host: 'www.example.test.', target: 'shop.localhost.' });
  const active = await until('the domain to be active', async () => {
    const domain = await domainOf('shop', 'www.example.test');
    return domain.state === 'active' && domain;
  });
  assert.equal(active.error, null);
  await until('the edge to serve it', async () => /shop live/.test((await visit('www.example.test')).body));
  assert.match((await visit('www.example.test:3000')).body, /shop live/, 'with a port too');

  const removed = await api('DELETE', '/projects/shop/domains/www.example.test');
  assert.equal(removed.status, 204, removed.body);
  await until('the edge to stop serving it', async () => !/shop live/.test((await visit('www.example.test')).body));
  assert.equal((await api('DELETE', '/projects/shop/domains/www.example.test')).status, 404);
});

test('an active domain whose DNS moves away stays served, saying what to fix, until it points here again', async () => {
  await setDns('set-cname', { host: 'moving.example.test.', target: 'shop.localhost.' });
  assert.equal((await api('POST', '/projects/shop/domains', { domain: 'moving.example.test' })).status, 202);
  await until('the domain to be active', async () => (await domainOf('shop', 'moving.example.test')).state === 'active');
  await until('the edge to serve it', async () => /shop live/.test((await visit('moving.example.test')).body));

  await setDns('set-cname', { host: 'moving.example.test.', target: 'other-host.example.net.' });
  const moved = await until('the move to be reported', async () => {
    const domain = await domainOf('shop', 'moving.example.test');
    return /is a CNAME to other-host\.example\.net/.test(domain.error ?? '') && domain;
  });
  assert.equal(moved.state, 'active');
  assert.match(moved.error, /still served/);
  assert.match((await visit('moving.example.test')).body, /shop live/);

  await setDns('set-cname', { host: 'moving.example.test.', target: 'shop.localhost.' });
  await until('the error to clear', async () => (await domainOf('shop', 'moving.example.test')).error === null);
  assert.equal((await api('DELETE', '/projects/shop/domains/moving.example.test')).status, 204);
});

test("A records count when they are this server's --public-ip", async () => {
  await setDns('add-a', { host: 'apex.example.test.', addresses: ['198.51.100.7'] });
  const added = cli('domains', 'add', 'shop', 'apex.example.test');
  assert.equal(added.code, 0, added.stderr);
  assert.match(added.stdout, /CNAME +shop\.localhost/);
  await until('the foreign address to be reported', async () => /points at 198\.51\.100\.7, not at this server \(192\.0\.2\.10\)/.test((await domainOf('shop', 'apex.example.test')).error ?? ''));
  await setDns('clear-a', { host: 'apex.example.test.' });
  await setDns('add-a', { host: 'apex.example.test.', addresses: [PUBLIC_IP] });
  await until('the domain to be active', async () => (await domainOf('shop', 'apex.example.test')).state === 'active');
  await until('the edge to serve it', async () => /shop live/.test((await visit('apex.example.test')).body));
  const listed = cli('domains', 'ls', 'shop');
  assert.equal(listed.code, 0, listed.stderr);
  assert.match(listed.stdout, /apex\.example\.test +active/);
  assert.equal(cli('domains', 'rm', 'shop', 'apex.example.test').code, 0);
  assert.match(cli('domains', 'ls', 'shop').stdout, /No custom domains/);
});

test("another project's domain, Reactor's own and malformed ones are refused", async () => {
  assert.equal((await api('POST', '/projects/shop/domains', { domain: 'taken.example.test' })).status, 202);
  const taken = await api('POST', '/projects/blog/domains', { domain: 'taken.example.test' });
  assert.equal(taken.status, 409, taken.body);
  assert.match(taken.json.error, /another project/);
  const again = await api('POST', '/projects/shop/domains', { domain: 'taken.example.test' });
  assert.equal(again.status, 409);
  assert.match(again.json.error, /of shop already/);
  for (const domain of ['localhost', 'shop.localhost', 'example', '10.0.0.1', '*.example.com', 'exa mple.com', '-x.example.com', `${'a'.repeat(64)}.com`]) {
    const refused = await api('POST', '/projects/shop/domains', { domain });
    assert.equal(refused.status, 422, `${domain}: ${refused.body}`);
  }
  assert.equal((await api('POST', '/projects/shop/domains', { domains: 'x.example.com' })).status, 400);
  assert.equal((await api('POST', '/projects/shop/domains', { domain: 7 })).status, 400);
  assert.equal((await api('POST', '/projects/nope/domains', { domain: 'x.example.com' })).status, 404);
  assert.equal((await api('GET', '/projects/nope/domains')).status, 404);
});
