// Prints the side-by-side table of bench/hub/run.sh from the JSON lines clients.mjs wrote:
// one row per server and round, then the median of the rounds and Reactor's lead.
// Latency is from the committed change (the figure); the last column is the same
// measured from just before the commit, which Node does not have (so equal to the first).
//   node bench/hub/report.mjs results.jsonl
import { readFileSync } from 'node:fs';

const results = readFileSync(process.argv[2], 'utf8').trim().split('\n').filter(Boolean).map((line) => JSON.parse(line));
const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};
const columns = [
  ['p50 ms', (r) => r.p50Ms.toFixed(3)],
  ['p99 ms', (r) => r.p99Ms.toFixed(3)],
  ['max ms', (r) => r.maxMs.toFixed(1)],
  ['msgs/s', (r) => Math.round(r.messagesPerSecond).toLocaleString('en-US')],
  ['delivered', (r) => `${r.received}/${r.expected}`],
  ['KB/idle conn', (r) => r.kbPerIdleConnection.toFixed(2)],
  ['server CPU µs/msg', (r) => r.serverCpuUsPerMessage.toFixed(1)],
  ['incl. commit: p50 / p99 / max ms', (r) => `${r.p50InclCommitMs.toFixed(3)} / ${r.p99InclCommitMs.toFixed(3)} / ${r.maxInclCommitMs.toFixed(1)}`],
];
const row = (name, r) => `| ${name} | ${columns.map(([, show]) => show(r)).join(' | ')} |`;
const header = `| server | ${columns.map(([name]) => name).join(' | ')} |\n|---|${columns.map(() => '---:').join('|')}|`;

const lines = [header];
const rounds = {};
for (const r of results) {
  rounds[r.label] ??= [];
  rounds[r.label].push(r);
  lines.push(row(`${r.label} (round ${rounds[r.label].length})`, r));
}
const summary = {};
for (const [label, rs] of Object.entries(rounds)) {
  summary[label] = Object.fromEntries(
    ['p50Ms', 'p99Ms', 'maxMs', 'p50InclCommitMs', 'p99InclCommitMs', 'maxInclCommitMs', 'messagesPerSecond', 'kbPerIdleConnection', 'serverCpuUsPerMessage', 'received', 'expected', 'heapBytesPerIdleConnection', 'emitP50Us', 'emitP99Us', 'emitMaxUs'].map((key) => [
      key,
      median(rs.map((r) => r[key])),
    ]),
  );
  lines.push(row(`**${label}, median**`, summary[label]));
}
const { reactor, node } = summary;
if (reactor && node) {
  // > 1 means Reactor is ahead on that figure: lower is better except for msgs/s.
  const lead = (better, worse) => `${(better / worse).toFixed(2)}×`;
  lines.push(
    `| **Reactor's lead** (Node ÷ Reactor; msgs/s: Reactor ÷ Node) | ${lead(node.p50Ms, reactor.p50Ms)} | ${lead(node.p99Ms, reactor.p99Ms)} | ` +
      `${lead(node.maxMs, reactor.maxMs)} | ${lead(reactor.messagesPerSecond, node.messagesPerSecond)} | | ` +
      `${lead(node.kbPerIdleConnection, reactor.kbPerIdleConnection)} | ${lead(node.serverCpuUsPerMessage, reactor.serverCpuUsPerMessage)} | ` +
      `${lead(node.p50InclCommitMs, reactor.p50InclCommitMs)} / ${lead(node.p99InclCommitMs, reactor.p99InclCommitMs)} / ${lead(node.maxInclCommitMs, reactor.maxInclCommitMs)} |`,
  );
  lines.push(
    '',
    `Reactor's live heap per idle connection (malloc, without allocator slack): ${Math.round(reactor.heapBytesPerIdleConnection)} B.`,
    `Driver time per event (median of rounds; p50 / p99 / max): Reactor's commit ${reactor.emitP50Us} / ${reactor.emitP99Us} / ${reactor.emitMaxUs} µs; ` +
      `Node's serialise and send ${node.emitP50Us} / ${node.emitP99Us} / ${node.emitMaxUs} µs.`,
  );
}
console.log(lines.join('\n'));
