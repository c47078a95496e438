// WebSockets on /ws shared by the whole page (README.md, "API": the /ws protocol).
//
// Each watched deployment (or project) is registered once per connection. On a history
// connection it registers with "since" and the connection remembers the last sequence
// number it saw, so a reconnect resumes exactly where it stopped and nothing is shown twice. A dropped
// connection is reopened with exponential backoff and every watch registered again.

const FIRST_RETRY_MS = 500;
const MAX_RETRY_MS = 10000;

function socketUrl() {
  const scheme = window.location.protocol === 'https:' ? 'wss' : 'ws';
  return `${scheme}://${window.location.host}/ws`;
}

class LiveConnection {
  constructor(history) {
    this.history = history;
    this.socket = null;
    this.state = 'idle'; // idle | connecting | open | offline
    this.retries = 0;
    this.retryTimer = null;
    // key ("<id>" or "project:<name>") → {subject, lastSeq, ready, listeners: Set}, where
    // subject is {id} or {project} as the register message names it.
    this.watches = new Map();
    this.stateListeners = new Set();
    window.addEventListener('online', () => this.reconnectNow());
    document.addEventListener('visibilitychange', () => {
      if (document.visibilityState === 'visible') this.reconnectNow();
    });
  }

  // Calls `listener(message)` for the deployment's STATUS_UPDATE messages (and its LOG
  // messages on a history connection). Returns the function that stops watching.
  watch(id, listener) {
    return this.add(id, { id }, listener);
  }

  // Calls `listener(message)` for the project's STATUS_UPDATE and ALIAS_UPDATE messages.
  watchProject(name, listener) {
    return this.add(`project:${name}`, { project: name }, listener);
  }

  add(key, subject, listener) {
    let entry = this.watches.get(key);
    if (!entry) {
      entry = { subject, lastSeq: 0, ready: false, listeners: new Set() };
      this.watches.set(key, entry);
      this.register(entry);
    }
    const own = { listener };
    entry.listeners.add(own);
    this.ensureOpen();
    return () => {
      entry.listeners.delete(own);
      if (entry.listeners.size === 0 && this.watches.get(key) === entry) {
        this.watches.delete(key);
        this.send({ action: 'unregister', ...subject });
      }
    };
  }

  onState(listener) {
    this.stateListeners.add(listener);
    return () => this.stateListeners.delete(listener);
  }

  setState(state) {
    if (this.state === state) return;
    this.state = state;
    for (const listener of this.stateListeners) listener(state);
  }

  register(entry) {
    // Events of an earlier watch of this id may still be on the way: the new watch's come
    // after the server's SYSTEM answer to this registration.
    entry.ready = false;
    const message = { action: 'register', ...entry.subject };
    if (this.history) message.since = entry.lastSeq;
    this.send(message);
  }

  send(message) {
    if (this.socket?.readyState === WebSocket.OPEN) this.socket.send(JSON.stringify(message));
  }

  ensureOpen() {
    if (this.socket || this.retryTimer) return;
    this.open();
  }

  reconnectNow() {
    if (this.retryTimer) {
      clearTimeout(this.retryTimer);
      this.retryTimer = null;
      this.open();
    }
  }

  open() {
    this.setState(this.retries === 0 ? 'connecting' : 'offline');
    let socket;
    try {
      socket = new WebSocket(socketUrl());
    } catch {
      this.scheduleRetry();
      return;
    }
    this.socket = socket;
    socket.addEventListener('open', () => {
      this.retries = 0;
      this.setState('open');
      for (const entry of this.watches.values()) this.register(entry);
    });
    socket.addEventListener('message', (event) => this.receive(event.data));
    socket.addEventListener('close', () => {
      if (this.socket !== socket) return;
      this.socket = null;
      this.scheduleRetry();
    });
  }

  scheduleRetry() {
    if (this.watches.size === 0) {
      // Nothing to watch: the next watch opens a connection.
      this.retries = 0;
      this.setState('idle');
      return;
    }
    const ceiling = Math.min(MAX_RETRY_MS, FIRST_RETRY_MS * 2 ** this.retries);
    const delay = ceiling / 2 + Math.random() * (ceiling / 2);
    this.retries += 1;
    this.setState('offline');
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      this.open();
    }, delay);
  }

  receive(data) {
    let message;
    try {
      message = JSON.parse(data);
    } catch {
      return;
    }
    if (message.type === 'SYSTEM') {
      // "Registered for updates on deployment <id>" (or "on project <name>"); should the
      // wording not name it, every registration waiting for its answer takes it.
      const text = String(message.message ?? '');
      const entries = [...this.watches.values()];
      const named = entries.filter(({ subject }) => text.endsWith(` ${subject.id ?? subject.project}`));
      for (const entry of named.length > 0 ? named : entries) entry.ready = true;
      return;
    }
    if (message.type === 'ALIAS_UPDATE' || message.type === 'STATUS_UPDATE') {
      this.deliver(message.project && this.watches.get(`project:${message.project}`), message);
    }
    if (message.type !== 'STATUS_UPDATE' && message.type !== 'LOG') return;
    if (message.type === 'LOG' && !this.history) return;
    this.deliver(this.watches.get(message.id), message);
  }

  deliver(entry, message) {
    if (!entry || !entry.ready) return;
    if (this.history && typeof message.seq === 'number') {
      if (message.seq <= entry.lastSeq) return; // already seen before a reconnect
      entry.lastSeq = message.seq;
    }
    for (const { listener } of [...entry.listeners]) listener(message);
  }
}

// Two connections, so that the two kinds of watch never meet on the server (it keeps one
// watch per deployment and connection): `history` replays every event and the build log
// (the deployment page); `status` gives the current status and its changes (the list and
// the project page, which watches its project there).
const connections = {};

export function live(kind) {
  connections[kind] ??= new LiveConnection(kind === 'history');
  return connections[kind];
}

export function connectionStates() {
  return Object.values(connections).map((connection) => connection.state);
}
