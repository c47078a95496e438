// HTTP/2 on the HTTPS listener, against the real binary: ALPN h2 (and HTTP/1.1 for a
// client that offers only that), every edge semantic and the API over h2, SSE, a large
// file; then abuse written frame by frame: a bad preface, rapid reset, a header list over
// the limit, a CONTINUATION flood; the server keeps answering after each.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import http2 from 'node:http2';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import tls from 'node:tls';
import { makeRepo, makeTestCa, makeTestCertificate, startServer, tempDir, until } from './harness.mjs';

const dir = tempDir('reactor-h2-');
const path = (name) => join(dir, name);
const domain = 'h2.localhost';

let server;
let port;
let ca;
let siteId;
let session; // one HTTP/2 connection most tests share

// The big file's bytes, made the same way by the build script and here.
const k_big_size = 6 * 1024 * 1024 + 123;
const bigFileScript = `
function bigFile(size) {
  const bytes = Buffer.alloc(size);
  let x = 2463534242;
  for (let i = 0; i < size; i++) { x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0; bytes[i] = x & 0xff; }
  return bytes;
}`;
const bigFile = new Function(`${bigFileScript}; return bigFile;`)();

// The site: rules, a text asset large enough for precompressed variants, a big binary.
function siteFiles() {
  const script = Array.from({ length: 400 }, (_, i) => `export const value${i} = ${i} * 2;`).join('\n');
  const files = {
    'index.html': '<!doctype html><title>h2 site</title><script src="/assets/app-1a2b3c4d.js"></script><h1>Over h2</h1>',
    'assets/app-1a2b3c4d.js': script,
    'new.html': '<h1>New page</h1>',
    '_redirects': '/old /new 301\n',
    '_headers': '/*\n  X-Frame-Options: DENY\n',
  };
  return {
    'package.json': JSON.stringify({ name: 'h2site', scripts: { build: 'node build.js' } }),
    'build.js': `const fs = require('fs'), path = require('path');
${bigFileScript}
const files = ${JSON.stringify(files)};
for (const [name, content] of Object.entries(files)) {
  fs.mkdirSync(path.dirname(path.join('dist', name)), { recursive: true });
  fs.writeFileSync(path.join('dist', name), content);
}
fs.writeFileSync('dist/big.bin', bigFile(${k_big_size}));`,
  };
}

// Runs a command to its end: {code, stdout, stderr}.
function run(command, args) {
  return new Promise((resolve) => {
    const child = execFile(command, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      resolve({ code: error ? (error.code ?? 1) : 0, stdout, stderr });
    });
    child.stdin.end();
  });
}

const connect = () => http2.connect(`https://localhost:${port}`, { ca, servername: 'localhost' });

// One request over `over` (an HTTP/2 session): {status, headers, body (Buffer)}.
function h2(over, { method = 'GET', path: target = '/', authority = `localhost:${port}`, headers = {}, body } = {}) {
  return new Promise((resolve, reject) => {
    const stream = over.request({ ':method': method, ':path': target, ':authority': authority, ...headers });
    let response;
    const chunks = [];
    stream.on('response', (received) => { response = received; });
    stream.on('data', (chunk) => chunks.push(chunk));
    stream.on('end', () => resolve({ status: response[':status'], headers: response, body: Buffer.concat(chunks) }));
    stream.on('error', reject);
    stream.end(body);
  });
}
const siteHost = () => `${siteId}.${domain}:${port}`;
const get = (target, headers = {}) => h2(session, { path: target, authority: siteHost(), headers });
const api = (method, target, body) => h2(session, {
  method, path: target, headers: body === undefined ? {} : { 'content-type': 'application/json' },
  body: body === undefined ? undefined : JSON.stringify(body),
}).then((res) => ({ ...res, json: res.body.length ? JSON.parse(res.body.toString()) : null }));

async function deployed(id) {
  await until(`deployment ${id}`, async () => {
    const { json } = await api('GET', `/deployments/${id}`);
    assert.notEqual(json.status, 'ERROR', JSON.stringify(json));
    return json.status === 'DEPLOYED';
  }, 120000);
}

before(async () => {
  makeTestCa(dir);
  makeTestCertificate(dir, 'server', '0x1001', domain);
  ca = readFileSync(path('ca.pem'));
  server = await startServer({ args: ['--listen-https', '127.0.0.1:0', '--tls-cert', path('server.pem'),
    '--tls-key', path('server.key'), '--hsts', '--domain', domain] });
  port = Number((await server.logged(/reactor\.serving_https\W+url\W+https:\/\/[^:\s"]+:(\d+)/))[1]);
  session = connect();
  const posted = await api('POST', '/deploy', { repoUrl: makeRepo(siteFiles()) });
  assert.equal(posted.status, 202, posted.body.toString());
  siteId = posted.json.id;
  await deployed(siteId);
});
after(async () => {
  session?.close();
  await server?.stop();
});

describe('ALPN', () => {
  test('curl negotiates h2, and HTTP/1.1 when it offers only that, on the same port', async () => {
    const curl = (...args) => run('curl', ['-sS', '-o', '/dev/null', '-w', '%{http_version} %{http_code}',
      '--cacert', path('ca.pem'), '--resolve', `${siteHost().split(':')[0]}:${port}:127.0.0.1`, ...args,
      `https://${siteHost()}/`]);
    assert.equal((await curl('--http2')).stdout, '2 200');
    assert.equal((await curl('--http1.1')).stdout, '1.1 200');
  });

  test('a TLS client offering only http/1.1 gets it', async () => {
    const socket = tls.connect({ host: '127.0.0.1', port, servername: 'localhost', ca, ALPNProtocols: ['http/1.1'] });
    await new Promise((resolve, reject) => socket.on('secureConnect', resolve).on('error', reject));
    assert.equal(socket.alpnProtocol, 'http/1.1');
    socket.destroy();
  });
});

describe('the edge over h2', () => {
  test('a page, with Date, HSTS, _headers rules and a content-length', async () => {
    const page = await get('/');
    assert.equal(page.status, 200);
    assert.match(page.body.toString(), /Over h2/);
    assert.equal(page.headers['strict-transport-security'], 'max-age=63072000');
    assert.equal(page.headers['x-frame-options'], 'DENY');
    assert.equal(Number(page.headers['content-length']), page.body.length);
    assert.ok(page.headers.date);
    assert.equal(page.headers.connection, undefined);
  });

  test('ETag and If-None-Match give 304 without a body', async () => {
    const page = await get('/');
    assert.ok(page.headers.etag);
    const again = await get('/', { 'if-none-match': page.headers.etag });
    assert.equal(again.status, 304);
    assert.equal(again.body.length, 0);
  });

  test('ranges: 206 with Content-Range, 416 past the end', async () => {
    const part = await get('/big.bin', { range: 'bytes=100-199' });
    assert.equal(part.status, 206);
    assert.equal(part.headers['content-range'], `bytes 100-199/${k_big_size}`);
    assert.deepEqual(part.body, bigFile(k_big_size).subarray(100, 200));
    const closedPastEnd = await get('/big.bin', { range: `bytes=${k_big_size + 10}-${k_big_size + 20}` });
    assert.equal(closedPastEnd.status, 416);
    assert.equal(closedPastEnd.headers['content-range'], `bytes */${k_big_size}`);
    // `bytes=N-` past the end answers 200 until the edge's fix on main lands (issue #18's
    // side fix): not asserted here.
  });

  test('precompressed variants by Accept-Encoding', async () => {
    const plain = await get('/assets/app-1a2b3c4d.js');
    for (const encoding of ['br', 'gzip']) {
      const compressed = await get('/assets/app-1a2b3c4d.js', { 'accept-encoding': encoding });
      assert.equal(compressed.status, 200);
      assert.equal(compressed.headers['content-encoding'], encoding);
      assert.ok(compressed.body.length < plain.body.length);
    }
  });

  test('_redirects and the SPA fallback', async () => {
    const old = await get('/old?x=1');
    assert.equal(old.status, 301);
    assert.equal(old.headers.location, '/new?x=1');
    const route = await get('/some/client/route');
    assert.equal(route.status, 200);
    assert.match(route.body.toString(), /Over h2/);
  });

  test('HEAD has the headers only', async () => {
    const head = await h2(session, { method: 'HEAD', path: '/big.bin', authority: siteHost() });
    assert.equal(head.status, 200);
    assert.equal(Number(head.headers['content-length']), k_big_size);
    assert.equal(head.body.length, 0);
  });

  test('a large file arrives intact, and several at once on one connection', async () => {
    const expected = createHash('sha256').update(bigFile(k_big_size)).digest('hex');
    const downloads = await Promise.all([get('/big.bin'), get('/big.bin'), get('/')]);
    for (const download of downloads.slice(0, 2)) {
      assert.equal(download.status, 200);
      assert.equal(download.body.length, k_big_size);
      assert.equal(createHash('sha256').update(download.body).digest('hex'), expected);
    }
  });
});

describe('a quiet connection', () => {
  test('outlives the handshake\'s 10 s deadline and answers again', { timeout: 30000 }, async () => {
    const quiet = connect();
    try {
      assert.equal((await h2(quiet, { path: '/healthz' })).status, 200);
      await new Promise((resolve) => setTimeout(resolve, 12000));
      assert.equal(quiet.closed || quiet.destroyed, false, 'the server closed the connection');
      assert.equal((await h2(quiet, { path: '/healthz' })).status, 200);
    } finally {
      quiet.close();
    }
  });
});

describe('the API over h2', () => {
  test('a protected project: 401, then 200 with the password', async () => {
    const created = await api('POST', '/projects', {
      name: 'guarded', repoUrl: makeRepo({ 'site/index.html': '<h1>Guarded</h1>' }), productionBranch: 'main',
      buildCommand: 'mkdir -p dist && cp -R site/. dist/', outputDir: 'dist',
    });
    assert.equal(created.status, 201, created.body.toString());
    const queued = await api('POST', '/projects/guarded/deployments', {});
    assert.equal(queued.status, 202, queued.body.toString());
    await deployed(queued.json.id);
    const set = await api('PATCH', '/projects/guarded', { protection: 'all', password: 'correct horse' });
    assert.equal(set.status, 200, set.body.toString());
    const authority = `guarded.${domain}:${port}`;
    const refused = await h2(session, { authority });
    assert.equal(refused.status, 401);
    assert.equal(refused.headers['www-authenticate'], 'Basic realm="guarded"');
    const authorization = `Basic ${Buffer.from('me:correct horse').toString('base64')}`;
    const allowed = await h2(session, { authority, headers: { authorization } });
    assert.equal(allowed.status, 200);
    assert.match(allowed.body.toString(), /Guarded/);
  });

  test('a body over the limit is refused with 413', async () => {
    const refused = await h2(session, { method: 'POST', path: '/deploy', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ repoUrl: 'x'.repeat(200 * 1024) }) });
    assert.equal(refused.status, 413);
  });

  test('SSE streams events over h2', async () => {
    const stream = session.request({ ':path': `/deployments/${siteId}/events`, ':authority': `localhost:${port}` });
    let text = '';
    let headers;
    stream.on('response', (received) => { headers = received; });
    stream.setEncoding('utf8');
    await new Promise((resolve, reject) => {
      stream.on('data', (chunk) => { text += chunk; if (text.includes('DEPLOYED')) resolve(); });
      stream.on('error', reject);
      setTimeout(() => reject(new Error(`no DEPLOYED event in ${text}`)), 10000);
    });
    assert.equal(headers[':status'], 200);
    assert.match(headers['content-type'], /text\/event-stream/);
    stream.close(http2.constants.NGHTTP2_CANCEL);
    // The connection goes on after the client ended the stream.
    assert.equal((await api('GET', `/deployments/${siteId}`)).status, 200);
  });
});

// RFC 9218: a response the client did not mark incremental is sent in one run rather than
// a frame at a time in turn with the others; an event stream goes ahead of such downloads. The client opens
// its windows wide so that flow control does not interleave the streams instead.
describe('priorities', () => {
  const k_wide = 2 ** 31 - 1;
  const wideSession = async () => {
    const wide = http2.connect(`https://localhost:${port}`, { ca, servername: 'localhost',
      settings: { initialWindowSize: k_wide } });
    await new Promise((resolve, reject) => { wide.once('connect', resolve); wide.once('error', reject); });
    wide.setLocalWindowSize(k_wide);
    return wide;
  };
  // The order as runs: "a x12, b x3, a end, …".
  const runs = (order) => order.reduce((list, label) => {
    const last = list.at(-1);
    if (last?.label === label) { last.count += 1; } else { list.push({ label, count: 1 }); }
    return list;
  }, []).map(({ label, count }) => (count > 1 ? `${label} x${count}` : label)).join(', ');
  // Requests `target` on `over`; `order` gets `label` for each DATA chunk received.
  const tracked = (over, target, label, order) => new Promise((resolve, reject) => {
    const stream = over.request({ ':path': target, ':authority': siteHost() });
    let size = 0;
    stream.on('response', () => order.push(`${label} headers`));
    stream.on('data', (chunk) => { order.push(label); size += chunk.length; });
    stream.on('end', () => { order.push(`${label} end`); resolve(size); });
    stream.on('error', reject);
    stream.end();
  });

  test('downloads of the same urgency are not interleaved frame by frame', async () => {
    // nghttp2 may let a response that started later go first once, then the other goes
    // on: at most three runs of DATA for two downloads (RFC 7540's round robin gave ~800).
    const wide = await wideSession();
    try {
      const order = [];
      const sizes = await Promise.all([tracked(wide, '/big.bin', 'a', order), tracked(wide, '/big.bin', 'b', order)]);
      assert.deepEqual(sizes, [k_big_size, k_big_size]);
      const data = order.filter((label) => label === 'a' || label === 'b');
      const switches = data.filter((label, i) => i > 0 && label !== data[i - 1]).length;
      assert.equal(switches <= 2, true, `interleaved: ${runs(order)}`);
    } finally {
      wide.close();
    }
  });

  test('an event stream is not held up behind downloads on the same connection', async () => {
    const wide = await wideSession();
    try {
      const order = [];
      const downloads = [1, 2, 3].map((n) => tracked(wide, '/big.bin', `big${n}`, order));
      const events = wide.request({ ':path': `/deployments/${siteId}/events`, ':authority': `localhost:${port}` });
      const firstEvent = new Promise((resolve, reject) => {
        events.once('data', () => { order.push('event'); resolve(); });
        events.on('error', reject);
      });
      await firstEvent;
      await Promise.all(downloads);
      events.close(http2.constants.NGHTTP2_CANCEL);
      const lastEnd = Math.max(...[1, 2, 3].map((n) => order.indexOf(`big${n} end`)));
      assert.equal(order.indexOf('event') < lastEnd, true, `the event came after every download: ${runs(order)}`);
    } finally {
      wide.close();
    }
  });
});

// Frames written by hand over TLS with ALPN h2.
const k_preface = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n');
function frame(type, flags, streamId, payload = Buffer.alloc(0)) {
  const header = Buffer.alloc(9);
  header.writeUIntBE(payload.length, 0, 3);
  header[3] = type;
  header[4] = flags;
  header.writeUInt32BE(streamId, 5);
  return Buffer.concat([header, payload]);
}
const k_data = 0; const k_headers = 1; const k_rst = 3; const k_settings = 4; const k_goaway = 7; const k_continuation = 9;
const k_end_stream = 1; const k_end_headers = 4;
// HPACK: an integer with an N-bit prefix, then a literal field without indexing, new name.
function hpackInteger(value, prefixBits, firstByte = 0) {
  const max = (1 << prefixBits) - 1;
  if (value < max) return [firstByte | value];
  const bytes = [firstByte | max];
  value -= max;
  while (value >= 128) { bytes.push((value % 128) + 128); value = Math.floor(value / 128); }
  bytes.push(value);
  return bytes;
}
function literal(name, value) {
  return Buffer.concat([Buffer.from([0]), Buffer.from(hpackInteger(name.length, 7)), Buffer.from(name),
    Buffer.from(hpackInteger(value.length, 7)), Buffer.from(value)]);
}
const requestBlock = (target = '/', authority = `localhost:${port}`, method = 'GET') => Buffer.concat([
  literal(':method', method), literal(':scheme', 'https'), literal(':path', target), literal(':authority', authority)]);

// A raw h2 connection: what the server sent, as frames, and whether it closed.
async function rawConnection(onFrame = () => {}) {
  const socket = tls.connect({ host: '127.0.0.1', port, servername: 'localhost', ca, ALPNProtocols: ['h2'] });
  await new Promise((resolve, reject) => socket.on('secureConnect', resolve).on('error', reject));
  assert.equal(socket.alpnProtocol, 'h2');
  const state = { socket, frames: [], closed: false, buffer: Buffer.alloc(0) };
  socket.on('data', (chunk) => {
    state.buffer = Buffer.concat([state.buffer, chunk]);
    while (state.buffer.length >= 9) {
      const length = state.buffer.readUIntBE(0, 3);
      if (state.buffer.length < 9 + length) break;
      state.frames.push({ type: state.buffer[3], flags: state.buffer[4], stream: state.buffer.readUInt32BE(5) & 0x7fffffff,
        payload: state.buffer.subarray(9, 9 + length) });
      onFrame(state.frames.at(-1), state);
      state.buffer = state.buffer.subarray(9 + length);
    }
  });
  socket.on('error', () => {});
  state.closedPromise = new Promise((resolve) => socket.on('close', () => { state.closed = true; resolve(); }));
  return state;
}
const goaway = (state) => state.frames.find((f) => f.type === k_goaway);

async function stillAnswers() {
  const fresh = connect();
  try {
    const page = await h2(fresh, { authority: siteHost() });
    assert.equal(page.status, 200);
  } finally {
    fresh.close();
  }
}

describe('abuse', () => {
  test('a bad preface closes the connection', async () => {
    const state = await rawConnection();
    state.socket.write('GET / HTTP/1.1\r\nHost: localhost\r\n\r\n');
    await until('the close', () => state.closed, 5000);
    await stillAnswers();
  });

  test('a normal request written by hand gets its answer', async () => {
    const state = await rawConnection();
    state.socket.write(Buffer.concat([k_preface, frame(k_settings, 0, 0),
      frame(k_headers, k_end_headers | k_end_stream, 1, requestBlock('/deployments'))]));
    await until('the response', () => state.frames.some((f) => f.stream === 1 && f.type === k_data && (f.flags & k_end_stream)), 5000);
    state.socket.destroy();
  });

  test('rapid reset (CVE-2023-44487): GOAWAY, and the server goes on', async () => {
    const state = await rawConnection();
    const frames = [k_preface, frame(k_settings, 0, 0)];
    const cancel = Buffer.from([0, 0, 0, 8]);
    for (let i = 0; i < 3000; i++) {
      const id = 2 * i + 1;
      frames.push(frame(k_headers, k_end_headers | k_end_stream, id, requestBlock()), frame(k_rst, 0, id, cancel));
    }
    state.socket.write(Buffer.concat(frames));
    await until('GOAWAY or the close', () => goaway(state) || state.closed, 10000);
    await until('the close', () => state.closed, 10000);
    await stillAnswers();
  });

  test('a header list over 16 KiB is refused with 431', async () => {
    const fresh = connect();
    try {
      const refused = await h2(fresh, { authority: siteHost(), headers: { 'x-big': 'a'.repeat(20 * 1024) } });
      assert.equal(refused.status, 431);
    } finally {
      fresh.close();
    }
    await stillAnswers();
  });

  test('a CONTINUATION flood without END_HEADERS closes the connection', async () => {
    const state = await rawConnection();
    const frames = [k_preface, frame(k_settings, 0, 0), frame(k_headers, 0, 1, requestBlock())];
    for (let i = 0; i < 2000; i++) frames.push(frame(k_continuation, 0, 1, literal(`x-flood-${i % 10}`, 'a'.repeat(50))));
    state.socket.write(Buffer.concat(frames));
    await until('the close', () => state.closed, 10000);
    assert.ok(goaway(state), 'a GOAWAY before the close');
    await stillAnswers();
  });
});

// Flow control (RFC 9113 §6.9), as h2spec checks it.
const k_window_update = 8;
const k_protocol_error = 1; const k_flow_control_error = 3;
const u32 = (value) => { const bytes = Buffer.alloc(4); bytes.writeUInt32BE(value); return bytes; };
const windowUpdate = (streamId, increment) => frame(k_window_update, 0, streamId, u32(increment));
const setting = (id, value) => Buffer.concat([Buffer.from([id >> 8, id & 0xff]), u32(value)]);
const k_initial_window_size = 4;
const errorCode = (f) => f.payload.readUInt32BE(f.type === k_goaway ? 4 : 0);
const bigRequest = (id) => frame(k_headers, k_end_headers | k_end_stream, id, requestBlock('/big.bin', siteHost()));

async function expectGoaway(state, code) {
  await until('GOAWAY', () => goaway(state), 10000);
  assert.equal(errorCode(goaway(state)), code);
  await until('the close', () => state.closed, 10000);
}

describe('flow control', () => {
  test('a zero WINDOW_UPDATE on a stream is a PROTOCOL_ERROR (RST_STREAM or GOAWAY)', async () => {
    const state = await rawConnection();
    state.socket.write(Buffer.concat([k_preface, frame(k_settings, 0, 0), bigRequest(1), windowUpdate(1, 0)]));
    // nghttp2 escalates this stream error to a connection error (GOAWAY), which h2spec accepts too.
    await until('RST_STREAM or GOAWAY', () => goaway(state) || state.frames.some((f) => f.type === k_rst && f.stream === 1), 10000);
    assert.equal(errorCode(goaway(state) ?? state.frames.find((f) => f.type === k_rst)), k_protocol_error);
    state.socket.destroy();
    await stillAnswers();
  });

  test('a zero WINDOW_UPDATE on the connection is a PROTOCOL_ERROR GOAWAY', async () => {
    const state = await rawConnection();
    state.socket.write(Buffer.concat([k_preface, frame(k_settings, 0, 0), windowUpdate(0, 0)]));
    await expectGoaway(state, k_protocol_error);
    await stillAnswers();
  });

  test('a WINDOW_UPDATE past 2^31-1 is a FLOW_CONTROL_ERROR', async () => {
    const connection = await rawConnection();
    connection.socket.write(Buffer.concat([k_preface, frame(k_settings, 0, 0), windowUpdate(0, 0x7fffffff)]));
    await expectGoaway(connection, k_flow_control_error);
    const stream = await rawConnection();
    stream.socket.write(Buffer.concat([k_preface, frame(k_settings, 0, 0), bigRequest(1), windowUpdate(1, 0x7fffffff)]));
    await until('RST_STREAM', () => stream.frames.some((f) => f.type === k_rst && f.stream === 1), 10000);
    assert.equal(errorCode(stream.frames.find((f) => f.type === k_rst)), k_flow_control_error);
    stream.socket.destroy();
    await stillAnswers();
  });

  test('SETTINGS_INITIAL_WINDOW_SIZE over 2^31-1 is a FLOW_CONTROL_ERROR GOAWAY', async () => {
    const state = await rawConnection();
    state.socket.write(Buffer.concat([k_preface, frame(k_settings, 0, 0, setting(k_initial_window_size, 0x80000000))]));
    await expectGoaway(state, k_flow_control_error);
    await stillAnswers();
  });

  test('a client with a 1-byte window still gets a large file intact, never past its window', async () => {
    let window = 1;
    let overrun = false;
    const parts = [];
    const state = await rawConnection((f, own) => {
      if (f.type !== k_data || f.stream !== 1) return;
      window -= f.payload.length;
      if (window < 0) overrun = true;
      parts.push(Buffer.from(f.payload));
      if (f.flags & k_end_stream || f.payload.length === 0) return;
      // Give back what arrived, and after the first byte open the window to 4 KiB, no more.
      const increment = f.payload.length + (parts.length === 1 ? 4095 : 0);
      window += increment;
      own.socket.write(Buffer.concat([windowUpdate(1, increment), windowUpdate(0, f.payload.length)]));
    });
    state.socket.write(Buffer.concat([k_preface, frame(k_settings, 0, 0, setting(k_initial_window_size, 1)), bigRequest(1)]));
    // The first DATA is 1 byte; after it the window stays at 4 KiB.
    await until('the whole file', () => state.frames.some((f) => f.type === k_data && f.stream === 1 && (f.flags & k_end_stream)), 120000);
    assert.equal(overrun, false, 'the server sent past the window');
    const body = Buffer.concat(parts);
    assert.equal(body.length, k_big_size);
    assert.equal(createHash('sha256').update(body).digest('hex'), createHash('sha256').update(bigFile(k_big_size)).digest('hex'));
    state.socket.destroy();
    await stillAnswers();
  });
});

// Last: it stops the server.
describe('graceful stop', () => {
  test('SIGTERM sends GOAWAY, ends an open SSE stream and lets the server exit at once', async () => {
    const open = connect();
    const goaway = new Promise((resolve) => open.on('goaway', (code) => resolve(code)));
    const stream = open.request({ ':path': `/deployments/${siteId}/events`, ':authority': `localhost:${port}` });
    stream.setEncoding('utf8');
    let text = '';
    stream.on('data', (chunk) => { text += chunk; });
    stream.on('error', () => {});
    const ended = new Promise((resolve) => stream.on('close', resolve));
    await until('the first event', () => text.includes('DEPLOYED'), 10000);
    const started = Date.now();
    const exit = await server.stop();
    const took = Date.now() - started;
    assert.equal(exit.code, 0, server.output());
    assert.ok(took < 5000, `exited ${took} ms after SIGTERM`);
    assert.equal(await goaway, http2.constants.NGHTTP2_NO_ERROR);
    await ended;
    open.destroy();
  });
});
