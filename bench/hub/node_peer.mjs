// The Node.js peer of hub_server: the same fan-out through npm `ws`, as a strong
// hand-written Node server would do it, with the same command-line contract:
//
//   node bench/hub/node_peer.mjs [--port 0] [--deployments 1000] [--rate 1000]
//                                [--duration 10] [--status-every 10]
//
// Prints "ready pid=<pid> port=<port>", then on stdin: "go" runs the driver (the same
// schedule as hub_server: `rate` events a second for `duration` seconds, round robin over
// d000000000…, every `status-every`-th a status change, the others a log line
// "t=<CLOCK_MONOTONIC microseconds>"), printing "done events=<n> seconds=<s>
// emit_p50_us=… emit_p99_us=… emit_max_us=…" (emit: serialise and send one event);
// "quit" or end of input exits.
//
// The protocol subset is Reactor's /ws: {"action":"register","id",…,"since"?} answers
// SYSTEM, then the current STATUS_UPDATE (or every kept event after `since`), then live
// events; {"action":"unregister","id"}; bad messages get ERROR. State is in memory: id →
// deployment with its watchers (a Set of sockets) and its recent events. Each event is
// serialised once and the same Buffer goes to every watcher.
import { createServer } from 'node:http';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { WebSocketServer } from 'ws';

const { values: args } = parseArgs({
  options: {
    port: { type: 'string', default: '0' },
    deployments: { type: 'string', default: '1000' },
    rate: { type: 'string', default: '1000' },
    duration: { type: 'string', default: '10' },
    'status-every': { type: 'string', default: '10' },
  },
});
const DEPLOYMENTS = Number(args.deployments);
const RATE = Number(args.rate);
const DURATION = Number(args.duration);
const STATUS_EVERY = Math.max(1, Number(args['status-every']));

// The same bounds as Reactor: hub/watch_peer.cpp and net/http_session.cpp.
const MAX_MESSAGE = 16 * 1024;
const MAX_WATCHED = 100;
const MAX_QUEUED_BYTES = 4096 * 256; // Reactor closes after 4096 queued messages
const HISTORY = 256; // events kept per deployment for "since"
const PING_PERIOD_MS = 30_000; // Reactor pings after half its 60 s idle timeout
const PHASES = ['cloning', 'installing', 'building', 'uploading'];

// CLOCK_MONOTONIC in microseconds, as hub_server stamps and clients.mjs reads.
const monotonicUs = () => process.hrtime.bigint() / 1000n;

const text = (object) => Buffer.from(JSON.stringify(object));
const send = (ws, buffer) => {
  // A client that does not read is dropped rather than buffered without bound.
  if (ws.bufferedAmount > MAX_QUEUED_BYTES) {
    ws.terminate();
    return;
  }
  ws.send(buffer, { binary: false });
};

let seq = 0;
const deployments = new Map();
const statusEvent = (deployment) => ({
  type: 'STATUS_UPDATE',
  id: deployment.id,
  seq: ++seq,
  status: deployment.status,
  phase: deployment.phase,
  error: null,
});
for (let i = 0; i < DEPLOYMENTS; i++) {
  const id = `d${String(i).padStart(9, '0')}`;
  const deployment = { id, status: 'PENDING', phase: '', watchers: new Set(), history: [], current: null };
  record(deployment, statusEvent(deployment));
  deployments.set(id, deployment);
}

// Keeps the serialised event for "since" and, for a status event, as the current status.
function record(deployment, event) {
  const entry = { seq: event.seq, buffer: text(event) };
  deployment.history.push(entry);
  if (deployment.history.length > HISTORY) deployment.history.shift();
  if (event.type === 'STATUS_UPDATE') deployment.current = entry;
  return entry.buffer;
}

function publish(deployment, event) {
  const buffer = record(deployment, event);
  for (const ws of deployment.watchers) send(ws, buffer);
}

const http = createServer((_request, response) => response.writeHead(404).end());
const wss = new WebSocketServer({ server: http, path: '/ws', maxPayload: 1024 * 1024 });

const error = (ws, message) => send(ws, text({ type: 'ERROR', message }));
const system = (ws, message) => send(ws, text({ type: 'SYSTEM', message }));

function onMessage(ws, data) {
  if (data.length > MAX_MESSAGE) return error(ws, 'message larger than 16 KiB');
  let message;
  try {
    message = JSON.parse(data);
  } catch {
    message = null;
  }
  if (message === null || typeof message !== 'object' || Array.isArray(message)) {
    return error(ws, 'messages must be JSON objects like {"action":"register","id":"<id>"}');
  }
  const { action, id, since } = message;
  if (typeof action !== 'string') return error(ws, 'missing "action": use "register" or "unregister"');
  if (typeof id !== 'string' || !/^[a-z0-9]{10}$/.test(id)) {
    return error(ws, '"id" must be a deployment id: 10 characters of [a-z0-9]');
  }
  const deployment = deployments.get(id);
  if (action === 'unregister') {
    if (ws.watching?.delete(id)) deployment.watchers.delete(ws);
    return system(ws, `Unregistered from deployment ${id}`);
  }
  if (action !== 'register') {
    return error(ws, `unknown action '${action}': use "register" or "unregister"`);
  }
  if (since !== undefined && since !== null && !(Number.isInteger(since) && since >= 0)) {
    return error(ws, '"since" must be a non-negative event sequence number');
  }
  if (deployment === undefined) return error(ws, `unknown deployment id ${id}`);
  if (ws.watching?.has(id)) return;
  if ((ws.watching?.size ?? 0) >= MAX_WATCHED) {
    return error(ws, 'this connection already watches 100 deployments: unregister one first');
  }
  system(ws, `Registered for updates on deployment ${id}`);
  if (since === undefined || since === null) {
    send(ws, deployment.current.buffer);
  } else {
    for (const entry of deployment.history) if (entry.seq > since) send(ws, entry.buffer);
  }
  (ws.watching ??= new Set()).add(id);
  deployment.watchers.add(ws);
}

wss.on('connection', (ws) => {
  // ws.watching (a Set of ids) is created on the first register, not per connection.
  ws.alive = true;
  ws.on('pong', () => {
    ws.alive = true;
  });
  ws.on('message', (data) => onMessage(ws, data));
  ws.on('close', () => {
    for (const id of ws.watching ?? []) deployments.get(id).watchers.delete(ws);
  });
});

// One timer for every connection: ping, and drop those that missed the previous ping.
setInterval(() => {
  for (const ws of wss.clients) {
    if (!ws.alive) {
      ws.terminate();
      continue;
    }
    ws.alive = false;
    ws.ping();
  }
}, PING_PERIOD_MS).unref();

// Each 1 ms tick publishes every event due by then (hub_server's driver does the same).
// Resolves with the "done" line; emit: how long each event's serialise-and-send took.
function drive() {
  return new Promise((resolve) => {
    const total = Math.floor(RATE * DURATION);
    const ids = [...deployments.values()];
    const emitUs = new Float64Array(total);
    const start = process.hrtime.bigint();
    let sent = 0;
    const tick = () => {
      const elapsed = Number(process.hrtime.bigint() - start) / 1e9;
      const due = Math.min(total, Math.floor(elapsed * RATE));
      for (; sent < due; sent++) {
        const deployment = ids[sent % ids.length];
        const stamp = monotonicUs();
        if (sent % STATUS_EVERY === STATUS_EVERY - 1) {
          deployment.status = 'IN_PROGRESS';
          deployment.phase = PHASES[Math.floor(sent / STATUS_EVERY) % PHASES.length];
          publish(deployment, statusEvent(deployment));
        } else {
          publish(deployment, { type: 'LOG', id: deployment.id, seq: ++seq, line: `t=${stamp}` });
        }
        emitUs[sent] = Number(monotonicUs() - stamp);
      }
      if (sent < total) return setTimeout(tick, 1);
      const seconds = Number(process.hrtime.bigint() - start) / 1e9;
      emitUs.sort();
      const at = (p) => (total ? emitUs[Math.min(total - 1, Math.floor(p * total))] : 0);
      resolve(
        `done events=${sent} seconds=${seconds} emit_p50_us=${at(0.5)} emit_p99_us=${at(0.99)} ` +
          `emit_max_us=${total ? emitUs[total - 1] : 0}`,
      );
    };
    tick();
  });
}

http.listen(Number(args.port), '127.0.0.1', () => {
  process.stdout.write(`ready pid=${process.pid} port=${http.address().port}\n`);
});

for await (const line of createInterface({ input: process.stdin })) {
  if (line === 'go') {
    process.stdout.write(`${await drive()}\n`);
  } else if (line === 'quit') {
    break;
  }
}
process.exit(0);
