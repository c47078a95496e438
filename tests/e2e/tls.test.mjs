// HTTPS from certificate files, against the real binary: the API, a deployed site, SSE
// and wss over TLS, plain HTTP redirected (ACME challenges excepted), HSTS, the CLI over
// HTTPS (a redirect explained, a private CA given with --ca-file), a certificate
// reloaded on SIGHUP while an older connection keeps its own, and startup errors.
import assert from 'node:assert/strict';
import { execFile, spawn, spawnSync } from 'node:child_process';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import net from 'node:net';
import tls from 'node:tls';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { makeRepo, makeTestCa, makeTestCertificate, request, siteApp, startServer, tempDir, until } from './harness.mjs';

const BIN = process.env.REACTOR_BIN ?? new URL('../../build/reactor', import.meta.url).pathname;
const dir = tempDir('reactor-tls-');
const path = (name) => join(dir, name);

// Sites are served under a domain of two labels: curl and Node refuse a wildcard right
// below a single label, so *.localhost alone would not cover <id>.localhost for them.
const domain = 'tls.localhost';

const makeCa = () => makeTestCa(dir);
const makeCertificate = (name, serial) => makeTestCertificate(dir, name, serial, domain);

// Runs a command with an empty stdin to its end: {code, stdout, stderr}.
function run(command, args, options = {}) {
  return new Promise((resolve) => {
    const child = execFile(command, args, { encoding: 'utf8', ...options }, (error, stdout, stderr) => {
      resolve({ code: error ? (error.code ?? 1) : 0, stdout, stderr });
    });
    child.stdin.end();
  });
}

let server;
let httpsPort;
let ca;

// curl over HTTPS to `host` (resolved to 127.0.0.1) trusting only the test CA:
// {status, headers, body}; headers lowercased.
async function curl(host, urlPath, args = []) {
  const [name, port] = host.split(':');
  const result = await run('curl', ['-sS', '-i', '--cacert', path('ca.pem'), '--resolve', `${name}:${port}:127.0.0.1`,
    ...args, `https://${host}${urlPath}`]);
  assert.ok(result.stdout.startsWith('HTTP/'), `curl failed (${result.code}): ${result.stderr}`);
  const end = result.stdout.indexOf('\r\n\r\n');
  const [statusLine, ...lines] = result.stdout.slice(0, end).split('\r\n');
  const headers = Object.fromEntries(lines.map((line) => {
    const colon = line.indexOf(':');
    return [line.slice(0, colon).toLowerCase(), line.slice(colon + 1).trim()];
  }));
  return { status: Number(statusLine.split(' ')[1]), headers, body: result.stdout.slice(end + 4), code: result.code };
}

// The serial number of the certificate a new connection gets, as openssl prints it.
async function servedSerial() {
  const hello = await run('openssl', ['s_client', '-connect', `127.0.0.1:${httpsPort}`, '-servername', 'localhost',
    '-CAfile', path('ca.pem')]);
  const leaf = hello.stdout.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/)?.[0];
  assert.ok(leaf, hello.stderr);
  const printed = spawnSync('openssl', ['x509', '-noout', '-serial'], { input: leaf, encoding: 'utf8' });
  return printed.stdout.trim();
}

const api = () => `localhost:${httpsPort}`;

// Deploys `files` over HTTPS and waits until the site is served; returns its id.
async function deployOverHttps(files) {
  const posted = await curl(api(), '/deploy', ['-X', 'POST', '-H', 'content-type: application/json',
    '--data', JSON.stringify({ repoUrl: makeRepo(siteApp(files)) })]);
  assert.equal(posted.status, 202, posted.body);
  const { id } = JSON.parse(posted.body);
  await until('the deployment', async () => {
    const deployment = JSON.parse((await curl(api(), `/deployments/${id}`)).body);
    assert.notEqual(deployment.status, 'ERROR', JSON.stringify(deployment));
    return deployment.status === 'DEPLOYED';
  }, 120000);
  return id;
}

// Above the edge's sendfile threshold and larger than one 64 KiB TLS piece.
const large = Array.from({ length: 150000 }, (_, i) => String.fromCharCode(33 + ((i * 7919) % 90))).join('');
let siteId;

before(async () => {
  makeCa();
  makeCertificate('server', '0x1001');
  ca = readFileSync(path('ca.pem'));
  server = await startServer({ args: ['--listen-https', '127.0.0.1:0', '--tls-cert', path('server.pem'),
    '--tls-key', path('server.key'), '--hsts', '--domain', domain] });
  httpsPort = Number((await server.logged(/reactor\.serving_https\W+url\W+https:\/\/[^:\s"]+:(\d+)/))[1]);
  siteId = await deployOverHttps({ 'index.html': '<h1>Over TLS</h1>', 'data.bin': large });
});
after(async () => { await server?.stop(); });

describe('HTTPS', () => {
  test('the API answers over HTTPS, with HSTS', async () => {
    const response = await curl(api(), `/deployments/${siteId}`);
    assert.equal(response.status, 200);
    assert.equal(JSON.parse(response.body).status, 'DEPLOYED');
    assert.equal(response.headers['strict-transport-security'], 'max-age=63072000');
  });

  test('the edge serves a deployment over HTTPS, large files and ranges included', async () => {
    const host = `${siteId}.${domain}:${httpsPort}`;
    const page = await curl(host, '/');
    assert.equal(page.status, 200);
    assert.match(page.body, /Over TLS/);
    assert.equal(page.headers['strict-transport-security'], 'max-age=63072000');
    const file = await curl(host, '/data.bin', ['--compressed']);
    assert.equal(file.status, 200);
    assert.equal(file.body, large);
    const part = await curl(host, '/data.bin', ['-r', '70000-70099']);
    assert.equal(part.status, 206);
    assert.equal(part.body, large.slice(70000, 70100));
  });

  test('SSE streams over HTTPS', async () => {
    const events = await curl(api(), `/deployments/${siteId}/events`, ['-N', '--max-time', '3']);
    assert.equal(events.status, 200);
    assert.match(events.headers['content-type'], /text\/event-stream/);
    assert.match(events.body, /DEPLOYED/);
  });

  test('wss: the hub answers over TLS', async () => {
    const script = `
      const socket = new WebSocket(process.argv[1]);
      socket.onopen = () => socket.send(JSON.stringify({ action: 'register', id: process.argv[2], since: 0 }));
      socket.onmessage = (event) => {
        const message = JSON.parse(event.data);
        if (message.type === 'STATUS_UPDATE' && message.status === 'DEPLOYED') { console.log('DEPLOYED'); process.exit(0); }
      };
      socket.onerror = (event) => { console.error('error', event.message); process.exit(1); };
      setTimeout(() => process.exit(2), 20000);`;
    const result = await run(process.execPath, ['--experimental-websocket', '-e', script,
      `wss://127.0.0.1:${httpsPort}/ws`, siteId], { env: { ...process.env, NODE_EXTRA_CA_CERTS: path('ca.pem') } });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /DEPLOYED/);
  });
});

describe('TLS handshake', () => {
  test('a client that never finishes its handshake is dropped after 10 s', async () => {
    const started = Date.now();
    const socket = net.connect(httpsPort, '127.0.0.1');
    socket.on('error', () => {});
    await new Promise((resolve) => socket.on('close', resolve));
    const took = Date.now() - started;
    assert.ok(took >= 9000 && took < 15000, `closed after ${took} ms`);
  });

  test('after a request, a trickled second head is cut 15 s after its first byte', { timeout: 40000 }, async () => {
    // The idle deadline (60 s) gives way to the sooner head deadline on the same connection.
    const result = await new Promise((resolve) => {
      const socket = tls.connect({ port: httpsPort, host: '127.0.0.1', servername: 'localhost', ca,
        ALPNProtocols: ['http/1.1'] });
      socket.on('error', () => {});
      let drip;
      let started;
      let seen = '';
      socket.on('secureConnect', () => socket.write(`GET /deployments/${siteId} HTTP/1.1\r\nHost: localhost\r\n\r\n`));
      socket.on('data', (chunk) => {
        seen += chunk;
        if (started === undefined && seen.includes('DEPLOYED')) {
          started = Date.now();
          socket.write('GET /healthz HTTP/1.1\r\nHost: localhost\r\nX-Slow: ');
          drip = setInterval(() => socket.write('X'), 1000);
        }
      });
      socket.on('close', () => { clearInterval(drip); resolve({ seen, elapsedMs: Date.now() - started }); });
      setTimeout(() => { clearInterval(drip); socket.destroy(); resolve({ seen, elapsedMs: Infinity }); }, 35000);
    });
    assert.match(result.seen, /^HTTP\/1\.1 200/);
    assert.ok(result.elapsedMs >= 14000 && result.elapsedMs < 20000, `closed after ${result.elapsedMs} ms`);
  });
});

describe('plain HTTP beside HTTPS', () => {
  test('redirects with 308 to the same URL over HTTPS, without HSTS', async () => {
    const response = await request(server.port, { host: `${siteId}.${domain}:${server.port}`, path: '/a/b?c=d' });
    assert.equal(response.status, 308);
    assert.equal(response.headers.location, `https://${siteId}.${domain}:${httpsPort}/a/b?c=d`);
    assert.equal(response.headers['strict-transport-security'], undefined);
    const api = await request(server.port, { host: 'localhost', path: '/deployments' });
    assert.equal(api.status, 308);
    assert.equal(api.headers.location, `https://localhost:${httpsPort}/deployments`);
  });

  test('passes ACME challenges through to the router', async () => {
    const response = await request(server.port, { host: 'example.com', path: '/.well-known/acme-challenge/token' });
    assert.notEqual(response.status, 308);
  });
});

describe('the CLI over HTTPS', () => {
  // The real CLI with only these settings from the environment.
  const cli = (env, ...args) => spawnSync(BIN, args, {
    env: { ...process.env, REACTOR_CA_FILE: '', REACTOR_API_TOKEN: '', ...env }, encoding: 'utf8' });
  const httpsUrl = () => `https://localhost:${httpsPort}`;

  test('over plain HTTP it names the https:// server to use instead', () => {
    const redirected = cli({ REACTOR_URL: `http://localhost:${server.port}` }, 'ls');
    assert.equal(redirected.status, 2, redirected.stderr);
    assert.match(redirected.stderr,
      new RegExp(`redirects to ${httpsUrl()}/deployments.*--server ${httpsUrl()} or the REACTOR_URL`));
  });

  test('a certificate from a CA it does not trust: says how to give the CA; --ca-file or REACTOR_CA_FILE works', () => {
    const untrusted = cli({ REACTOR_URL: httpsUrl() }, 'ls');
    assert.equal(untrusted.status, 2, untrusted.stderr);
    assert.match(untrusted.stderr, /cannot verify the TLS certificate of the Reactor server at https:\/\/localhost.*--ca-file FILE or the REACTOR_CA_FILE/);
    const flag = cli({ REACTOR_URL: httpsUrl() }, 'ls', '--ca-file', path('ca.pem'));
    assert.equal(flag.status, 0, flag.stderr);
    assert.match(flag.stdout, new RegExp(siteId));
    const environment = cli({ REACTOR_URL: httpsUrl(), REACTOR_CA_FILE: path('ca.pem') }, 'status', siteId);
    assert.equal(environment.status, 0, environment.stderr);
    assert.match(environment.stdout, /DEPLOYED/);
    const missing = cli({ REACTOR_URL: httpsUrl() }, 'ls', '--ca-file', path('missing.pem'));
    assert.equal(missing.status, 2);
    assert.match(missing.stderr, /cannot read the CA file '.*missing\.pem' \(--ca-file or REACTOR_CA_FILE\)/);
  });
});

describe('certificate reload', () => {
  test('SIGHUP serves a new certificate while an open connection keeps its own', async () => {
    assert.equal(await servedSerial(), 'serial=1001');
    const agent = new https.Agent({ keepAlive: true, maxSockets: 1, ca });
    const get = () => new Promise((resolve, reject) => {
      const req = https.get({ host: '127.0.0.1', port: httpsPort, servername: 'localhost', path: `/deployments/${siteId}`,
        headers: { host: api() }, agent }, (res) => {
        const serial = res.socket.getPeerCertificate().serialNumber;
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode, reused: req.reusedSocket, serial }));
      });
      req.on('error', reject);
    });
    const before = await get();
    assert.equal(before.status, 200);
    assert.equal(before.serial, '1001');

    makeCertificate('next', '0x2002');
    renameSync(path('next.key'), path('server.key'));
    renameSync(path('next.pem'), path('server.pem'));
    server.child.kill('SIGHUP');
    await server.logged(/tls\.reloaded/);
    assert.equal(await servedSerial(), 'serial=2002');

    const after = await get();
    assert.equal(after.status, 200);
    assert.equal(after.reused, true);
    assert.equal(after.serial, '1001');
    agent.destroy();
  });

  test('a broken file on SIGHUP is logged and the certificate before stays', async () => {
    writeFileSync(path('server.pem'), 'not a certificate\n');
    server.child.kill('SIGHUP');
    await server.logged(/tls\.reload_failed/);
    assert.equal(await servedSerial(), 'serial=2002');
    const response = await curl(api(), `/deployments/${siteId}`);
    assert.equal(response.status, 200);
  });
});

describe('certificate files watched', () => {
  test('new files are served within 10 s without a signal', async () => {
    makeCertificate('watched', '0x4004');
    renameSync(path('watched.key'), path('server.key'));
    renameSync(path('watched.pem'), path('server.pem'));
    await until('the new certificate', async () => (await servedSerial()) === 'serial=4004', 25000);
  });
});

describe('startup errors', () => {
  const start = (args) => spawnSync(BIN, ['serve', '--listen', '127.0.0.1:0', '--data-dir', tempDir('reactor-data-'), ...args],
    { encoding: 'utf8', timeout: 20000 });

  test('--listen-https without a certificate', () => {
    const result = start(['--listen-https', '127.0.0.1:0']);
    assert.equal(result.status, 1);
    assert.match(result.stderr, /--listen-https needs --tls-cert/);
  });

  test('a certificate file that cannot be read', () => {
    const result = start(['--listen-https', '127.0.0.1:0', '--tls-cert', path('missing.pem'), '--tls-key', path('server.key')]);
    assert.equal(result.status, 1);
    assert.match(result.stderr, /--tls-cert .*missing\.pem cannot be read/);
  });

  test('a key that does not belong to the certificate', () => {
    const result = start(['--listen-https', '127.0.0.1:0', '--tls-cert', path('ca.pem'), '--tls-key', path('server.key')]);
    assert.equal(result.status, 1);
    assert.match(result.stderr, /does not belong to the certificate/);
  });

  test('--tls-cert or --hsts without --listen-https', () => {
    const result = start(['--tls-cert', path('ca.pem'), '--tls-key', path('ca.key')]);
    assert.equal(result.status, 1);
    assert.match(result.stderr, /are for --listen-https/);
    const hsts = start(['--hsts']);
    assert.equal(hsts.status, 1);
    assert.match(hsts.stderr, /are for --listen-https/);
  });
});

describe('config file', () => {
  test('listen-https, tls-cert, tls-key and hsts are settings too', async () => {
    makeCertificate('configured', '0x3003');
    const config = path('reactor.toml');
    writeFileSync(config, `listen-https = "127.0.0.1:0"\ntls-cert = "${path('configured.pem')}"\n`
      + `tls-key = "${path('configured.key')}"\nhsts = true\n`);
    const configured = await startServer({ args: ['--config', config] });
    try {
      const port = Number((await configured.logged(/reactor\.serving_https\W+url\W+https:\/\/[^:\s"]+:(\d+)/))[1]);
      const response = await curl(`localhost:${port}`, '/deployments');
      assert.equal(response.status, 200);
      assert.equal(response.headers['strict-transport-security'], 'max-age=63072000');
    } finally {
      await configured.stop();
    }
  });
});

// Last: it stops the server.
describe('graceful stop', () => {
  test('SIGTERM closes idle TLS connections and ends wss with 1001 at once', async () => {
    const agent = new https.Agent({ keepAlive: true, maxSockets: 1, ca });
    await new Promise((resolve, reject) => {
      https.get({ host: '127.0.0.1', port: httpsPort, servername: 'localhost', path: '/', headers: { host: api() }, agent },
        (res) => { res.resume(); res.on('end', resolve); }).on('error', reject);
    });
    const script = `
      const socket = new WebSocket(process.argv[1]);
      socket.onopen = () => console.log('OPEN');
      socket.onclose = (event) => { console.log('CLOSED', event.code); process.exit(0); };
      setTimeout(() => process.exit(2), 20000);`;
    const client = spawn(process.execPath, ['--experimental-websocket', '-e', script, `wss://127.0.0.1:${httpsPort}/ws`],
      { env: { ...process.env, NODE_EXTRA_CA_CERTS: path('ca.pem') } });
    let output = '';
    client.stdout.on('data', (chunk) => { output += chunk; });
    const clientExited = new Promise((resolve) => client.on('exit', resolve));
    await until('the wss connection', () => output.includes('OPEN'), 10000);
    const started = Date.now();
    const exit = await server.stop();
    const took = Date.now() - started;
    assert.equal(exit.code, 0, server.output());
    assert.ok(took < 5000, `exited ${took} ms after SIGTERM`);
    assert.equal(await clientExited, 0);
    assert.match(output, /CLOSED 1001/);
    agent.destroy();
  });
});
