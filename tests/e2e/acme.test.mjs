// Certificates over ACME against a real CA: Debian's pebble, with pebble-challtestsrv as
// the DNS it asks. DNS-01 through a --dns01-hook script that sets TXT records in
// challtestsrv for the base domain and its wildcard; HTTP-01 for a single name answered by
// Reactor's plain listener; a failed order recorded with a backoff; and, on PostgreSQL, a
// second node serving the certificate the first ordered.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import net from 'node:net';
import { join } from 'node:path';
import tls from 'node:tls';
import { after, before, describe, test } from 'node:test';
import { POSTGRES_URL, makeRepo, siteApp, startServer, tempDir, until } from './harness.mjs';

const BIN = process.env.REACTOR_BIN ?? new URL('../../build/reactor', import.meta.url).pathname;
const dir = tempDir('reactor-acme-');
const path = (name) => join(dir, name);
const TOKEN = 'acme-test-token';

// A port free now, for the listeners pebble must know before Reactor starts.
function freePort() {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.on('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

// A certificate for localhost from a throwaway CA: pebble's own HTTPS certificate, which
// Reactor is told to trust, and Reactor's fallback from files.
function makePebbleCertificate() {
  const openssl = (...args) => {
    const made = spawnSync('openssl', args, { cwd: dir, encoding: 'utf8' });
    assert.equal(made.status, 0, made.stderr);
  };
  openssl('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes',
    '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=ACME test CA');
  writeFileSync(path('san.ext'), 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n');
  openssl('req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes',
    '-keyout', 'pebble.key', '-out', 'pebble.csr', '-subj', '/CN=localhost');
  openssl('x509', '-req', '-in', 'pebble.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-set_serial', '0x2001',
    '-days', '2', '-extfile', 'san.ext', '-out', 'pebble.pem');
}

// The API over HTTPS (plain HTTP redirects there), on the --tls-cert fallback for
// localhost: {status, body}; `body` is sent as JSON.
function callHttpsApi(server, token, urlPath, { method = 'GET', body } = {}) {
  return new Promise((resolve, reject) => {
    const req = https.request({ host: '127.0.0.1', port: server.httpsPort, path: urlPath, method, servername: 'localhost',
      ca: readFileSync(path('ca.pem')), headers: { host: `localhost:${server.httpsPort}`, authorization: `Bearer ${token}`,
        ...(body ? { 'content-type': 'application/json' } : {}) } },
    (res) => {
      let text = '';
      res.on('data', (chunk) => { text += chunk; });
      res.on('end', () => resolve({ status: res.statusCode, body: text }));
    });
    req.on('error', reject);
    req.end(body ? JSON.stringify(body) : undefined);
  });
}

// A background process whose output is kept; resolves once `ready` shows in it.
function startProcess(command, args, ready, env = {}) {
  const child = spawn(command, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${command} did not start:\n${output}`)), 20000);
    const read = (chunk) => {
      output += chunk;
      if (ready.test(output)) {
        clearTimeout(timer);
        resolve({ child, output: () => output });
      }
    };
    child.stdout.on('data', read);
    child.stderr.on('data', read);
    child.on('exit', () => reject(new Error(`${command} exited:\n${output}`)));
  });
}

// The hook Reactor runs: present/cleanup <fqdn> <value>, through challtestsrv's API.
// `wrong` sets another value than the one asked for, so the CA's check fails.
function writeHook(name, managementPort, { wrong = false } = {}) {
  const hook = path(name);
  const value = wrong ? 'wrong-value' : '$3';
  writeFileSync(hook, `#!/bin/sh
set -eu
case "$1" in
  present) curl -sSf -X POST -d "{\\"host\\":\\"$2\\",\\"value\\":\\"${value}\\"}" http://127.0.0.1:${managementPort}/set-txt ;;
  cleanup) curl -sSf -X POST -d "{\\"host\\":\\"$2\\"}" http://127.0.0.1:${managementPort}/clear-txt ;;
esac
`);
  chmodSync(hook, 0o755);
  return hook;
}

// The certificate a TLS handshake for `servername` gets: {issuer, subjectaltname, fingerprint}.
function servedCertificate(port, servername) {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host: '127.0.0.1', port, servername, rejectUnauthorized: false }, () => {
      const certificate = socket.getPeerCertificate();
      socket.end();
      resolve(certificate);
    });
    socket.on('error', reject);
  });
}

async function certificates(server) {
  const res = await callHttpsApi(server, TOKEN, '/admin/certificates');
  assert.equal(res.status, 200, res.body);
  return JSON.parse(res.body).certificates;
}

async function activeCertificate(server, name) {
  let found;
  try {
    await until(`an active certificate for ${name}`, async () => {
      found = (await certificates(server)).find((each) => each.names[0] === name);
      return found?.state === 'active';
    }, 60000);
  } catch (error) {
    throw new Error(`${error.message}: ${JSON.stringify(found)}\n${server.output()}`);
  }
  return found;
}

const httpsPortOf = async (server) =>
  Number((await server.logged(/reactor\.serving_https\W+url\W+https:\/\/[^:\s"]+:(\d+)/))[1]);

let challtestsrv;
let dnsPort;
let pebbleUrl;
let challengeManagement;
let http01Port;
const started = [];
const processes = [];

// A pebble CA asking challtestsrv's DNS, validating HTTP-01 on `httpPort` and TLS-ALPN-01
// on `tlsPort`, issuing certificates valid for `validitySeconds` (pebble's default: 5
// years); its directory URL.
async function startPebble({ httpPort, tlsPort, validitySeconds }) {
  const [port, management] = [await freePort(), await freePort()];
  const config = path(`pebble-${port}.json`);
  writeFileSync(config, JSON.stringify({
    pebble: {
      listenAddress: `127.0.0.1:${port}`,
      managementListenAddress: `127.0.0.1:${management}`,
      certificate: path('pebble.pem'),
      privateKey: path('pebble.key'),
      httpPort,
      tlsPort: tlsPort ?? await freePort(),
      ocspResponderURL: '',
      externalAccountBindingRequired: false,
      ...(validitySeconds ? { certificateValidityPeriod: validitySeconds } : {}),
    },
  }));
  processes.push(await startProcess('pebble', ['-config', config, '-dnsserver', `127.0.0.1:${dnsPort}`],
    /Listening on/, { PEBBLE_VA_NOSLEEP: '1', PEBBLE_WFE_NONCEREJECT: '0' }));
  return `https://127.0.0.1:${port}/dir`;
}

before(async () => {
  makePebbleCertificate();
  [dnsPort, challengeManagement, http01Port] = [await freePort(), await freePort(), await freePort()];
  challtestsrv = await startProcess('pebble-challtestsrv', ['-dns01', `127.0.0.1:${dnsPort}`,
    '-management', `127.0.0.1:${challengeManagement}`, '-http01', '', '-https01', '', '-tlsalpn01', '',
    '-defaultIPv4', '127.0.0.1', '-defaultIPv6', ''], /Starting management server/);
  processes.push(challtestsrv);
  pebbleUrl = await startPebble({ httpPort: http01Port });
});

after(async () => {
  for (const server of started) await server.stop();
  for (const each of processes) each.child.kill();
});

// Reactor with ACME from pebble for `domain`; `args` adds a hook or listeners.
async function startAcmeServer(domain, args = [], { directory = pebbleUrl, listenHttps = '127.0.0.1:0', ...options } = {}) {
  const server = await startServer({
    // Nodes sharing a store share the secrets key that seals the account and certificate
    // keys. The files' certificate serves what ACME does not cover: the API on localhost.
    args: ['--listen-https', listenHttps, '--domain', domain, '--api-token', TOKEN, '--secrets-key-file', path('secrets.key'),
      '--tls-cert', path('pebble.pem'), '--tls-key', path('pebble.key'),
      '--acme-email', 'ops@example.com', '--acme-directory', directory, '--acme-ca-file', path('ca.pem'), ...args],
    ...options,
  });
  started.push(server);
  server.httpsPort = await httpsPortOf(server);
  return server;
}

describe('ACME', () => {
  let first;

  test('DNS-01 through the hook issues one certificate for the domain and its wildcard', async () => {
    first = await startAcmeServer('acme.test', ['--dns01-hook', writeHook('hook.sh', challengeManagement)]);
    const certificate = await activeCertificate(first, 'acme.test');
    assert.deepEqual(certificate.names, ['acme.test', '*.acme.test']);
    assert.equal(certificate.lastError, '');
    assert.ok(Date.parse(certificate.notAfter) > Date.now());
    assert.ok(Date.parse(certificate.nextAttempt) > Date.now(), 'renewal is scheduled');
    await until('the certificate served', async () => {
      const served = await servedCertificate(first.httpsPort, 'x.acme.test');
      return /Pebble/.test(served.issuer?.CN ?? '');
    }, 15000);
    const site = await servedCertificate(first.httpsPort, 'x.acme.test');
    assert.match(site.subjectaltname, /DNS:\*\.acme\.test/);
    const base = await servedCertificate(first.httpsPort, 'acme.test');
    assert.equal(base.fingerprint256, site.fingerprint256);
  });

  test('GET /admin/certificates needs the API token', async () => {
    const res = await callHttpsApi(first, 'wrong-token', '/admin/certificates');
    assert.equal(res.status, 401);
  });

  let failing;

  test('a failed order is recorded as an error with a later attempt, and not retried at once', async () => {
    failing = await startAcmeServer('fail.test', ['--dns01-hook', writeHook('wrong.sh', challengeManagement, { wrong: true }),
      '--dns-resolver', `127.0.0.1:${dnsPort}`, '--public-ip', '127.0.0.1']);
    let certificate;
    await until('the failed order recorded', async () => {
      certificate = (await certificates(failing)).find((each) => each.names[0] === 'fail.test');
      return certificate?.state === 'error';
    }, 60000);
    assert.match(certificate.lastError, /could not validate 'fail\.test' by dns-01/);
    const next = Date.parse(certificate.nextAttempt);
    assert.ok(next - Date.now() > 30000, `next attempt ${certificate.nextAttempt} is about a minute away`);
    await new Promise((resolve) => setTimeout(resolve, 5000));
    const orders = failing.output().match(/acme\.ordering\W+name\W+fail\.test/g) ?? [];
    assert.equal(orders.length, 1, failing.output());
  });

  test('a custom domain whose certificate cannot be had yet shows as issuing, with why', async () => {
    // Nothing listens where pebble checks HTTP-01 yet: the order fails.
    const call = (urlPath, body) => callHttpsApi(failing, TOKEN, urlPath, { method: 'POST', body });
    assert.equal((await call('/projects', { name: 'blog', repoUrl: makeRepo(siteApp({ 'index.html': 'blog' })), productionBranch: 'main' })).status, 201);
    assert.equal((await call('/projects/blog/domains', { domain: 'www.unreachable.test' })).status, 202);
    let listed;
    await until('the domain to wait for its certificate', async () => {
      listed = JSON.parse((await callHttpsApi(failing, TOKEN, '/projects/blog/domains')).body).domains[0];
      return listed.state === 'issuing' && listed.error;
    }, 60000);
    assert.match(listed.error, /http-01/i);
  });

  let single;

  test('HTTP-01 issues a certificate for a single name, answered by the plain listener', async () => {
    // Custom domains are checked with challtestsrv, which answers 127.0.0.1 for any name.
    single = await startAcmeServer('single.test', ['--dns-resolver', `127.0.0.1:${dnsPort}`, '--public-ip', '127.0.0.1'],
      { listen: `127.0.0.1:${http01Port}` });
    const certificate = await activeCertificate(single, 'single.test');
    assert.deepEqual(certificate.names, ['single.test']);
    await until('the certificate served', async () => {
      const served = await servedCertificate(single.httpsPort, 'single.test');
      return /Pebble/.test(served.issuer?.CN ?? '');
    }, 15000);
  });

  test('an active custom domain gets a certificate of its own, over HTTP-01', async () => {
    const call = (urlPath, body) => callHttpsApi(single, TOKEN, urlPath, { method: 'POST', body });
    const project = await call('/projects', { name: 'shop', repoUrl: makeRepo(siteApp({ 'index.html': 'shop' })), productionBranch: 'main' });
    assert.equal(project.status, 201, project.body);
    const added = await call('/projects/shop/domains', { domain: 'www.custom.test' });
    assert.equal(added.status, 202, added.body);
    const certificate = await activeCertificate(single, 'www.custom.test');
    assert.deepEqual(certificate.names, ['www.custom.test']);
    // The domain is "issuing" until its certificate is there, then "active".
    const listed = JSON.parse((await callHttpsApi(single, TOKEN, '/projects/shop/domains')).body);
    assert.equal(listed.domains[0].state, 'active', JSON.stringify(listed));
    await until('the certificate served', async () => {
      const served = await servedCertificate(single.httpsPort, 'www.custom.test');
      return /Pebble/.test(served.issuer?.CN ?? '') && /DNS:www\.custom\.test/.test(served.subjectaltname);
    }, 15000);
    // Nothing is ordered for a name no project has.
    assert.equal((await certificates(single)).filter((each) => each.names[0] === 'other.custom.test').length, 0);

    // A removed domain's certificate is deleted and no longer served.
    const removed = await callHttpsApi(single, TOKEN, '/projects/shop/domains/www.custom.test', { method: 'DELETE' });
    assert.equal(removed.status, 204, removed.body);
    assert.equal((await certificates(single)).filter((each) => each.names[0] === 'www.custom.test').length, 0);
    await until('the certificate withdrawn', async () => {
      const served = await servedCertificate(single.httpsPort, 'www.custom.test');
      return !/DNS:www\.custom\.test/.test(served.subjectaltname ?? '');
    }, 15000);
  });

  test('TLS-ALPN-01 issues a certificate, answered by the HTTPS listener', async () => {
    // pebble checks HTTP-01 where nothing listens: only the acme-tls/1 handshake can pass.
    const tlsPort = await freePort();
    const directory = await startPebble({ httpPort: await freePort(), tlsPort });
    const alpn = await startAcmeServer('alpn.test', ['--acme-challenge', 'tls-alpn-01'],
      { directory, listenHttps: `127.0.0.1:${tlsPort}` });
    const certificate = await activeCertificate(alpn, 'alpn.test');
    assert.deepEqual(certificate.names, ['alpn.test']);
    await until('the certificate served', async () => {
      const served = await servedCertificate(alpn.httpsPort, 'alpn.test');
      return /Pebble/.test(served.issuer?.CN ?? '');
    }, 15000);
    // Once validated, nothing is pending: an acme-tls/1 handshake is refused, and for a
    // name with no challenge too, with the no_application_protocol alert.
    for (const name of ['alpn.test', 'other.alpn.test']) {
      const handshake = spawnSync('openssl', ['s_client', '-connect', `127.0.0.1:${alpn.httpsPort}`,
        '-servername', name, '-alpn', 'acme-tls/1'], { input: '', encoding: 'utf8', timeout: 10000 });
      assert.notEqual(handshake.status, 0, handshake.stdout);
      assert.match(handshake.stderr, /no application protocol/i, handshake.stderr);
    }
  });

  test('a certificate is renewed two thirds through its lifetime', async () => {
    const shortLived = await startPebble({ httpPort: await freePort(), validitySeconds: 30 });
    const renewing = await startAcmeServer('renew.test', ['--dns01-hook', writeHook('renew.sh', challengeManagement)],
      { directory: shortLived });
    const issued = await activeCertificate(renewing, 'renew.test');
    const renewalDue = Date.parse(issued.nextAttempt);
    assert.ok(renewalDue < Date.parse(issued.notAfter), 'renewal comes before expiry');
    let renewed;
    await until('the renewed certificate', async () => {
      renewed = (await certificates(renewing)).find((each) => each.names[0] === 'renew.test');
      return renewed.state === 'active' && renewed.notAfter !== issued.notAfter;
    }, 60000);
    assert.ok(Date.now() >= renewalDue - 2000, 'not renewed before it was due');
    await until('the renewed certificate served', async () => {
      const served = await servedCertificate(renewing.httpsPort, 'x.renew.test');
      return Date.parse(served.valid_to) >= Date.parse(renewed.notAfter) - 1000;
    }, 15000);
  });

  test('a second node on PostgreSQL serves the same certificate without ordering', { skip: !POSTGRES_URL && 'needs REACTOR_E2E_POSTGRES' }, async () => {
    const second = await startAcmeServer('acme.test', ['--dns01-hook', writeHook('hook2.sh', challengeManagement)]);
    await second.logged(/acme\.serving\W+name\W+acme\.test/);
    const fromFirst = await servedCertificate(first.httpsPort, 'y.acme.test');
    const fromSecond = await servedCertificate(second.httpsPort, 'y.acme.test');
    assert.equal(fromSecond.fingerprint256, fromFirst.fingerprint256);
    assert.doesNotMatch(second.output(), /acme\.ordering/);
  });
});

describe('ACME flags', () => {
  const start = (args) => spawnSync(BIN, ['serve', '--listen', '127.0.0.1:0', '--data-dir', tempDir('reactor-data-'), ...args],
    { encoding: 'utf8', timeout: 20000 });

  test('--acme-email without --listen-https says to add it', () => {
    const result = start(['--acme-email', 'ops@example.com']);
    assert.equal(result.status, 1);
    assert.match(result.stderr, /add --listen-https/);
  });

  test('--dns01-hook or --acme-ca-file without --acme-email says to add it', () => {
    const result = start(['--listen-https', '127.0.0.1:0', '--dns01-hook', '/bin/true']);
    assert.equal(result.status, 1);
    assert.match(result.stderr, /add --acme-email/);
  });

  test('an --acme-challenge other than http-01 or tls-alpn-01 is refused, naming both', () => {
    const result = start(['--listen-https', '127.0.0.1:0', '--acme-email', 'ops@example.com',
      '--acme-challenge', 'dns-01']);
    assert.notEqual(result.status, 0);
    assert.match(result.stderr, /--acme-challenge.*http-01.*tls-alpn-01/s);
  });

  test('a --dns01-hook that is not executable', () => {
    const result = start(['--listen-https', '127.0.0.1:0', '--acme-email', 'ops@example.com',
      '--dns01-hook', path('missing-hook')]);
    assert.equal(result.status, 1);
    assert.match(result.stderr, /--dns01-hook .*missing-hook is not an executable file/);
  });
});
