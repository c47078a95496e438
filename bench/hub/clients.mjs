// Load generator for the live status fan-out benchmark. Starts one server (hub_server or
// node_peer.mjs, given after "--"), opens `clients` WebSocket connections to its /ws,
// each registering one of `deployments` ids (clients / deployments watchers per id), and
// measures:
//   - server memory per idle connection: VmRSS (/proc/<pid>/status) once all are
//     registered and idle, minus VmRSS before the first connection, over `clients`;
//   - latency from the committed change (the issue's figure): for each LOG message, the
//     client's CLOCK_MONOTONIC now minus the moment the event was committed (Reactor: the
//     "t=<microseconds>" the driver stamped in the line just before committing it, plus
//     how long the commit took, from hub_server's "commits" line) or published (Node: the
//     stamp, taken just before serialising);
//   - latency including the commit: now minus the stamp, for both;
//   - delivery: messages (LOG and STATUS_UPDATE) received per second, from "go" to the
//     last one received, and how many of the expected ones arrived.
//   - the server's CPU time (user + system) per delivered message, and for hub_server its
//     malloc'd bytes per idle connection (its "heap" command).
// Prints one JSON line with the results on stdout (progress goes to stderr); run.sh and
// report.mjs make the table. Bounded in time: every phase has a deadline, and the server
// is stopped on the way out.
//
//   node bench/hub/clients.mjs --label reactor [--clients 10000] [--deployments 1000]
//     [--sources N] [--settle 3] [--drain 5] [--dump FILE]
//     -- build-bench/bench/hub/hub_server --rate 1000
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import WebSocket from 'ws';

const separator = process.argv.indexOf('--');
if (separator < 0) {
  console.error('usage: node clients.mjs [options] -- SERVER_COMMAND [ARGS…]');
  process.exit(2);
}
const { values: args } = parseArgs({
  args: process.argv.slice(2, separator),
  options: {
    label: { type: 'string', default: 'server' },
    clients: { type: 'string', default: '10000' },
    deployments: { type: 'string', default: '1000' },
    sources: { type: 'string', default: '0' }, // 0: as many as the clients need
    concurrency: { type: 'string', default: '200' }, // handshakes in flight
    settle: { type: 'string', default: '3' }, // seconds idle before the memory reading
    drain: { type: 'string', default: '5' }, // seconds allowed after "done" for stragglers
    'connect-timeout': { type: 'string', default: '180' },
    dump: { type: 'string' }, // a file for "<µs since go> <latency µs>" per LOG message
  },
});
const [command, ...commandArgs] = process.argv.slice(separator + 1);
const CLIENTS = Number(args.clients);
const DEPLOYMENTS = Number(args.deployments);
const CONCURRENCY = Number(args.concurrency);

// Source addresses: every connection takes an ephemeral port of its source address (the
// kernel's range is about 28,000), so past ~20,000 clients they spread over 127.0.0.1,
// 127.0.0.2, … (all on loopback); below that the kernel picks the source as usual.
const [low, high] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
const SOURCES = Number(args.sources) || Math.ceil(CLIENTS / Math.floor((high - low) * 0.7));

const log = (message) => process.stderr.write(`[${args.label}] ${message}\n`);
const nowUs = () => Number(process.hrtime.bigint() / 1000n);
// utime + stime of the whole process, in seconds (clock ticks are 100 Hz on Linux).
const cpuSeconds = (pid) => {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
};
const rssKB = (pid) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]);
const withDeadline = (promise, seconds, what) =>
  Promise.race([
    promise,
    sleep(seconds * 1000, null, { ref: false }).then(() => {
      throw new Error(`${what} took longer than ${seconds} s`);
    }),
  ]);

// --- the server ------------------------------------------------------------------------
const server = spawn(command, commandArgs, { stdio: ['pipe', 'pipe', 'inherit'] });
const serverLines = createInterface({ input: server.stdout })[Symbol.asyncIterator]();
let exited = false;
server.on('exit', (code, signal) => {
  exited = true;
  if (code || (signal && signal !== 'SIGKILL')) log(`server exited with ${signal ?? `code ${code}`}`);
});
// Waits for the server's next line starting with `prefix`; other lines (e.g. from a
// wrapper such as heaptrack or perf) pass through to stderr.
async function expectLine(prefix, seconds) {
  const deadline = performance.now() + seconds * 1000;
  for (;;) {
    const left = (deadline - performance.now()) / 1000;
    const next = await withDeadline(serverLines.next(), Math.max(0, left), `waiting for "${prefix}"`);
    if (next.done) throw new Error(`the server exited before saying "${prefix}"`);
    if (next.value.startsWith(prefix)) {
      return Object.fromEntries(next.value.slice(prefix.length).trim().split(' ').map((pair) => pair.split('=')));
    }
    log(`server: ${next.value}`);
  }
}
function stopServer() {
  if (exited) return;
  server.stdin.end('quit\n');
  setTimeout(() => exited || server.kill('SIGKILL'), 5000).unref();
}

// --- the clients -----------------------------------------------------------------------
const sockets = [];
let registered = 0;
let measuring = false;
let logMessages = 0;
let statusMessages = 0;
let lastReceivedUs = 0;
const latenciesUs = new Float64Array(50_000_000 / 8); // room for 6.25 M samples
const stampsUs = new Float64Array(latenciesUs.length);
const receivedAtUs = args.dump ? new Float64Array(latenciesUs.length) : null;
let samples = 0;

const LINE = Buffer.from('"line":"t=');
function onMessage(data) {
  const now = nowUs();
  if (!measuring) return;
  lastReceivedUs = now;
  // LOG: {"type":"LOG",…,"line":"t=<us>"}; found without a full JSON parse, so the
  // client's own cost stays small next to the server's.
  const at = data.indexOf(LINE);
  if (at >= 0) {
    const start = at + LINE.length;
    const stamp = Number(data.toString('latin1', start, data.indexOf(34, start)));
    if (samples < latenciesUs.length) {
      if (receivedAtUs) receivedAtUs[samples] = now;
      stampsUs[samples] = stamp;
      latenciesUs[samples++] = now - stamp;
    }
    logMessages++;
  } else if (data.includes('"STATUS_UPDATE"')) {
    statusMessages++;
  }
}

function connect(port, index) {
  return new Promise((resolve, reject) => {
    const id = `d${String(index % DEPLOYMENTS).padStart(9, '0')}`;
    const options = { perMessageDeflate: false };
    if (SOURCES > 1) options.localAddress = `127.0.0.${1 + (index % SOURCES)}`;
    const ws = new WebSocket(`ws://127.0.0.1:${port}/ws`, options);
    let isRegistered = false;
    ws.on('open', () => ws.send(JSON.stringify({ action: 'register', id })));
    ws.on('message', (data) => {
      if (!isRegistered) {
        // Registered once the current status arrives (it follows the SYSTEM message).
        if (data.includes('"STATUS_UPDATE"')) {
          isRegistered = true;
          registered++;
          resolve();
        }
        return;
      }
      onMessage(data);
    });
    ws.on('error', reject);
    ws.on('close', () => isRegistered || reject(new Error('closed before registering')));
    sockets.push(ws);
  });
}

async function connectAll(port) {
  let next = 0;
  const worker = async () => {
    while (next < CLIENTS) await connect(port, next++);
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, CLIENTS) }, worker));
}

const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];

async function main() {
  const ready = await expectLine('ready', 120);
  const { pid, port } = ready;
  // hub_server can also say how many bytes malloc has handed out ("heap"): the live
  // per-connection state, without the allocator's slack that RSS includes.
  const heap = async () => {
    if (!ready.heap) return null;
    server.stdin.write('heap\n');
    return Number((await expectLine('heap', 10)).in_use);
  };
  await sleep(500);
  const heapBefore = await heap();
  const rssBefore = rssKB(pid);
  log(`server pid ${pid} port ${port}, RSS ${rssBefore} KB; connecting ${CLIENTS} clients from ${SOURCES} source address(es)`);
  const connectStart = performance.now();
  await withDeadline(connectAll(port), Number(args['connect-timeout']), 'connecting');
  log(`${registered} registered in ${((performance.now() - connectStart) / 1000).toFixed(1)} s`);
  await sleep(Number(args.settle) * 1000);
  const rssIdle = rssKB(pid);
  const heapIdle = await heap();

  measuring = true;
  const cpuBefore = cpuSeconds(pid);
  const goUs = nowUs();
  server.stdin.write('go\n');
  const done = await expectLine('done', 600);
  // stamp → µs from the stamp to the commit; a server without a database publishes at
  // its stamp.
  const commitUs = ready.commits ? await expectLine('commits', 60) : {};
  const events = Number(done.events);
  // Every event goes to clients / deployments watchers.
  const expected = events * (CLIENTS / DEPLOYMENTS);
  const drainUntil = performance.now() + Number(args.drain) * 1000;
  while (logMessages + statusMessages < expected && performance.now() < drainUntil) await sleep(50);
  measuring = false;
  const cpuUsed = cpuSeconds(pid) - cpuBefore;
  stopServer();

  if (args.dump) {
    const rows = [];
    for (let i = 0; i < samples; i++) rows.push(`${receivedAtUs[i] - goUs} ${latenciesUs[i]}`);
    writeFileSync(args.dump, `${rows.join('\n')}\n`);
  }
  const fromCommit = latenciesUs.subarray(0, samples).map((latency, i) => latency - (Number(commitUs[stampsUs[i]]) || 0));
  fromCommit.sort();
  const sorted = latenciesUs.subarray(0, samples).sort();
  const received = logMessages + statusMessages;
  const seconds = (lastReceivedUs - goUs) / 1e6;
  const result = {
    label: args.label,
    clients: CLIENTS,
    deployments: DEPLOYMENTS,
    registered,
    rssBeforeKB: rssBefore,
    rssIdleKB: rssIdle,
    kbPerIdleConnection: (rssIdle - rssBefore) / CLIENTS,
    heapBytesPerIdleConnection: heapBefore === null ? null : (heapIdle - heapBefore) / CLIENTS,
    events,
    driverSeconds: Number(done.seconds),
    // The driver's own time per event: the commit (Reactor), serialise and send (Node).
    emitP50Us: Number(done.emit_p50_us),
    emitP99Us: Number(done.emit_p99_us),
    emitMaxUs: Number(done.emit_max_us),
    expected,
    received,
    logMessages,
    statusMessages,
    p50Ms: samples ? percentile(fromCommit, 0.5) / 1000 : null,
    p99Ms: samples ? percentile(fromCommit, 0.99) / 1000 : null,
    maxMs: samples ? fromCommit[samples - 1] / 1000 : null,
    p50InclCommitMs: samples ? percentile(sorted, 0.5) / 1000 : null,
    p99InclCommitMs: samples ? percentile(sorted, 0.99) / 1000 : null,
    maxInclCommitMs: samples ? sorted[samples - 1] / 1000 : null,
    messagesPerSecond: received / seconds,
    // Server CPU (user + system, all threads) per delivered message; on loopback the
    // sender's system time includes the kernel's receive path for the client.
    serverCpuUsPerMessage: (cpuUsed * 1e6) / received,
    seconds,
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
  log(
    `from the commit: p50 ${result.p50Ms?.toFixed(3)} ms, p99 ${result.p99Ms?.toFixed(3)} ms, max ${result.maxMs?.toFixed(1)} ms; ` +
      `including it: p50 ${result.p50InclCommitMs?.toFixed(3)} ms; ` +
      `${Math.round(result.messagesPerSecond)} msg/s (${received}/${expected}), ${result.kbPerIdleConnection.toFixed(2)} KB/idle connection`,
  );
}

try {
  await main();
} catch (error) {
  log(`failed: ${error.message}`);
  process.exitCode = 1;
  stopServer();
} finally {
  for (const ws of sockets) ws.terminate();
  await sleep(200);
  process.exit();
}
