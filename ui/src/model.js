// The build settings a deployment or a project may set, as the API names them (rootDir,
// the app's folder, is asked for beside them).
export const BUILD_SETTINGS = [
  { name: 'installCommand', label: 'Install command', placeholder: 'detected: npm ci, pnpm install, …' },
  { name: 'buildCommand', label: 'Build command', placeholder: 'detected: npm run build' },
  { name: 'outputDir', label: 'Output directory', placeholder: 'detected: dist, build, …' },
  { name: 'packageManager', label: 'Package manager', placeholder: 'pnpm@10 (default: from package.json)' },
  { name: 'nodeVersion', label: 'Node.js version', placeholder: '18 (default: .nvmrc, engines, or 20)' },
];

// What the UI knows about statuses and phases, and the reducer that turns a deployment's
// /ws events into its status, phase timeline and build log.

export const FINAL_STATUSES = ['DEPLOYED', 'ERROR', 'CANCELED'];

export const isFinal = (status) => FINAL_STATUSES.includes(status);

// The steps of the timeline, in order; a deployment's current step is its phase while
// IN_PROGRESS and "queued" while PENDING.
export const STEPS = [
  { key: 'queued', label: 'Queued' },
  { key: 'cloning', label: 'Cloning' },
  { key: 'installing', label: 'Installing' },
  { key: 'building', label: 'Building' },
  { key: 'uploading', label: 'Uploading' },
];

export const STATUS_LABELS = {
  PENDING: 'Queued',
  IN_PROGRESS: 'Building',
  DEPLOYED: 'Ready',
  ERROR: 'Failed',
  CANCELED: 'Canceled',
};

function stepOf(status, phase) {
  if (status === 'PENDING') return 'queued';
  if (status === 'IN_PROGRESS') return phase || 'cloning';
  return null;
}

// The build info's name of each step's total (GET /deployments/<id>: build.durationsMs).
const DURATION_KEYS = { queued: 'queue', cloning: 'clone', installing: 'install', building: 'build', uploading: 'upload' };

// "[reactor] Cloned commit … in 0.4 s", "[reactor] npm run build finished in 2.1 s",
// "[reactor] Published 3 files (…) in 0.0 s": the time the current phase's work took.
const MEASURED = /^\[reactor\] .* in (\d+(?:\.\d+)?) s$/;

export function initialState() {
  return {
    deployment: null, // the last GET /deployments/<id>
    notFound: false,
    status: null,
    phase: null,
    error: null,
    lastSeq: 0,
    logs: [], // {seq, line}
    // Timeline: one entry per step entered, in order; times are epoch ms when known.
    steps: [], // {key, startedAt, endedAt, measuredMs, totalMs}
    finishedAt: null,
    // The status the GET returned before the watch began: events up to the one matching
    // it are history (their arrival time means nothing), later ones are live.
    snapshot: null,
  };
}

function parseTime(text) {
  const time = Date.parse(text ?? '');
  return Number.isNaN(time) ? null : time;
}

// A GET /deployments/<id> answer.
function withDeployment(state, deployment) {
  const next = { ...state, deployment, notFound: false };
  // Until /ws delivers the history, and whenever the API knows of an end that /ws has not
  // delivered yet (a dropped connection), the API's answer is the status to show.
  if (state.lastSeq === 0 || (isFinal(deployment.status) && !isFinal(state.status))) {
    next.status = deployment.status;
    next.phase = deployment.phase;
    next.error = deployment.error;
  }
  if (!state.snapshot) {
    next.snapshot = { status: deployment.status, phase: deployment.phase, seen: false };
  }
  if (isFinal(next.status) && isFinal(deployment.status)) {
    next.finishedAt = parseTime(deployment.updatedAt);
  }
  next.steps = datedSteps(next.steps, deployment);
  return next;
}

// Fills in the times the server knows: each finished step's total from the build info, the
// queue's start at createdAt, and the current step's (or the end's) at updatedAt.
function datedSteps(steps, deployment) {
  if (steps.length === 0) return steps;
  const created = parseTime(deployment.createdAt);
  const updated = parseTime(deployment.updatedAt);
  const totals = deployment.build?.durationsMs ?? {};
  return steps.map((step) => {
    const totalMs = totals[DURATION_KEYS[step.key]];
    return typeof totalMs === 'number' && totalMs !== step.totalMs ? { ...step, totalMs } : step;
  }).map((step, index) => {
    let { startedAt } = step;
    if (startedAt == null && step.key === 'queued' && index === 0) startedAt = created;
    const last = index === steps.length - 1;
    if (startedAt == null && last && stepOf(deployment.status, deployment.phase) === step.key) {
      startedAt = updated;
    }
    let { endedAt } = step;
    if (endedAt == null && last && isFinal(deployment.status)) endedAt = updated;
    return startedAt === step.startedAt && endedAt === step.endedAt ? step : { ...step, startedAt, endedAt };
  }).map((step, index, all) => {
    // A step ends where the next one starts.
    const next = all[index + 1];
    if (step.endedAt != null || next?.startedAt == null) return step;
    return { ...step, endedAt: next.startedAt };
  });
}

function applyStatus(state, message, live, now) {
  const key = stepOf(message.status, message.phase);
  const at = live ? now : null;
  let steps = state.steps;
  const current = steps[steps.length - 1];
  if (!current || current.key !== key) {
    if (current && current.endedAt == null) {
      steps = [...steps.slice(0, -1), { ...current, endedAt: at }];
    }
    if (key) steps = [...steps, { key, startedAt: at, endedAt: null, measuredMs: null, totalMs: null }];
  }
  return {
    ...state,
    status: message.status,
    phase: message.phase || null,
    error: message.error ?? null,
    steps,
    finishedAt: isFinal(message.status) ? at : null,
  };
}

function applyLog(state, message) {
  const logs = [...state.logs, { seq: message.seq, line: message.line }];
  const measured = MEASURED.exec(message.line);
  let steps = state.steps;
  const current = steps[steps.length - 1];
  if (measured && current && !isFinal(state.status)) {
    steps = [...steps.slice(0, -1), { ...current, measuredMs: Number(measured[1]) * 1000 }];
  }
  return { ...state, logs, steps };
}

// Applies a batch of /ws messages (already in seq order, without repeats).
function applyMessages(state, messages, now) {
  let next = state;
  for (const message of messages) {
    if (typeof message.seq === 'number') next = { ...next, lastSeq: Math.max(next.lastSeq, message.seq) };
    if (message.type === 'LOG') {
      next = applyLog(next, message);
      continue;
    }
    if (message.type !== 'STATUS_UPDATE') continue;
    const snapshot = next.snapshot;
    const live = snapshot ? snapshot.seen : true;
    next = applyStatus(next, message, live, now);
    if (snapshot && !snapshot.seen && snapshot.status === message.status && (snapshot.phase ?? null) === (message.phase || null)) {
      next = { ...next, snapshot: { ...snapshot, seen: true } };
    }
  }
  if (next.deployment) next = { ...next, steps: datedSteps(next.steps, next.deployment) };
  return next;
}

export function reducer(state, action) {
  switch (action.type) {
    case 'reset':
      return initialState();
    case 'deployment':
      return withDeployment(state, action.deployment);
    case 'notFound':
      return { ...state, notFound: true };
    case 'messages':
      return applyMessages(state, action.messages, action.now);
    default:
      return state;
  }
}

// The duration to show for a step: its total as the server measured it, else what was
// watched, else (a step that ran before a reload) what the log's last measured line says.
export function stepDuration(step, now) {
  if (step.totalMs != null) return step.totalMs;
  const end = step.endedAt ?? now;
  if (step.startedAt != null && end != null) return Math.max(0, end - step.startedAt);
  return step.measuredMs;
}

export function formatDuration(ms) {
  if (ms == null) return '';
  if (ms < 1000) return `${(ms / 1000).toFixed(1)} s`;
  const seconds = ms / 1000;
  if (seconds < 60) return `${seconds.toFixed(1)} s`;
  const minutes = Math.floor(seconds / 60);
  return `${minutes} min ${Math.round(seconds % 60)} s`;
}

const relative = new Intl.RelativeTimeFormat('en', { numeric: 'auto' });

export function timeAgo(text, now = Date.now()) {
  const time = parseTime(text);
  if (time == null) return '';
  const seconds = Math.round((time - now) / 1000);
  if (Math.abs(seconds) < 45) return 'just now';
  const minutes = Math.round(seconds / 60);
  if (Math.abs(minutes) < 60) return relative.format(minutes, 'minute');
  const hours = Math.round(minutes / 60);
  if (Math.abs(hours) < 24) return relative.format(hours, 'hour');
  return relative.format(Math.round(hours / 24), 'day');
}

// "https://github.com/owner/app.git" → "owner/app"; a local path → its last two parts.
export function repoName(url) {
  if (!url) return '';
  const path = url.replace(/^[a-z+]+:\/\/[^/]*/i, '').replace(/\.git\/?$/, '').replace(/\/+$/, '');
  const parts = path.split('/').filter(Boolean);
  return parts.slice(-2).join('/') || url;
}
