import { useEffect, useReducer, useState, useSyncExternalStore } from 'react';
import { ApiError, DEPLOYED_EVENT, getDeployment, getProject, listDeployments, listProjectDeployments } from './api.js';
import { connectionStates, live } from './live.js';
import { initialState, isFinal, reducer } from './model.js';

// Messages can arrive by the thousand (a whole build log replayed at once): they are
// applied in batches, at most one render per frame.
const BATCH_MS = 16;
// Events do not carry a queued deployment's place in the queue: the record is asked again.
const QUEUE_POLL_MS = 2000;

// One deployment, live: its API record, then every /ws event from the first (so a reload
// in the middle of a build shows the whole log and goes on), then live changes.
export function useDeployment(id) {
  const [state, dispatch] = useReducer(reducer, undefined, initialState);
  const [loadError, setLoadError] = useState(null);

  useEffect(() => {
    let stopped = false;
    let stopWatching = () => {};
    let queue = [];
    let timer = null;
    let refetching = false;
    dispatch({ type: 'reset' });
    setLoadError(null);

    const refetch = async () => {
      if (refetching) return;
      refetching = true;
      try {
        const deployment = await getDeployment(id);
        if (!stopped) dispatch({ type: 'deployment', deployment });
      } catch {
        // The live view goes on; the next change tries again.
      } finally {
        refetching = false;
      }
    };

    const flush = () => {
      timer = null;
      const messages = queue;
      queue = [];
      if (stopped || messages.length === 0) return;
      dispatch({ type: 'messages', messages, now: Date.now() });
      // The record carries what events do not: the commit, the times, the final URL.
      if (messages.some((m) => m.type === 'STATUS_UPDATE' && (isFinal(m.status) || m.phase === 'installing'))) {
        refetch();
      }
    };

    (async () => {
      try {
        const deployment = await getDeployment(id);
        if (stopped) return;
        dispatch({ type: 'deployment', deployment });
      } catch (error) {
        if (stopped) return;
        if (error instanceof ApiError && error.status === 404) dispatch({ type: 'notFound' });
        else setLoadError(error.message);
        return;
      }
      stopWatching = live('history').watch(id, (message) => {
        queue.push(message);
        timer ??= setTimeout(flush, BATCH_MS);
      });
    })();

    return () => {
      stopped = true;
      stopWatching();
      if (timer) clearTimeout(timer);
    };
  }, [id]);

  const queued = state.status === 'PENDING';
  useEffect(() => {
    if (!queued) return undefined;
    let stopped = false;
    const timer = setInterval(async () => {
      try {
        const deployment = await getDeployment(id);
        if (!stopped) dispatch({ type: 'deployment', deployment });
      } catch {
        // The next tick tries again.
      }
    }, QUEUE_POLL_MS);
    return () => {
      stopped = true;
      clearInterval(timer);
    };
  }, [id, queued]);

  return { ...state, loadError };
}

// The recent deployments, newest first, with their statuses kept live.
export function useRecentDeployments(limit = 20) {
  const [items, setItems] = useState(null);
  const [error, setError] = useState(null);

  useEffect(() => {
    let stopped = false;
    let loading = false;
    const watches = new Map(); // id → stop
    const seqs = new Map(); // id → seq of the status shown

    const onStatus = (message) => {
      if ((seqs.get(message.id) ?? -1) >= message.seq) return;
      seqs.set(message.id, message.seq);
      setItems((current) =>
        current?.map((item) =>
          item.id === message.id
            ? { ...item, status: message.status, phase: message.phase || null, error: message.error ?? null }
            : item,
        ),
      );
      if (isFinal(message.status)) {
        watches.get(message.id)?.();
        watches.delete(message.id);
      }
    };

    let again = false;
    const load = async () => {
      if (loading) {
        again = true; // a deployment started during this load may be missing from it
        return;
      }
      loading = true;
      try {
        const deployments = await listDeployments(limit);
        if (stopped) return;
        setItems(deployments);
        setError(null);
        // Only unfinished deployments change: watch those, and stop watching the rest.
        const wanted = new Set(deployments.filter((d) => !isFinal(d.status)).map((d) => d.id));
        for (const [id, stop] of watches) {
          if (!wanted.has(id)) {
            stop();
            watches.delete(id);
          }
        }
        for (const id of wanted) {
          if (!watches.has(id)) watches.set(id, live('status').watch(id, onStatus));
        }
      } catch (failure) {
        if (!stopped) setError(failure.message);
      } finally {
        loading = false;
        if (again && !stopped) {
          again = false;
          load();
        }
      }
    };

    load();
    // Deployments started elsewhere (another tab, the command line) appear within seconds.
    const poll = setInterval(() => {
      if (document.visibilityState === 'visible') load();
    }, 5000);
    const onVisible = () => document.visibilityState === 'visible' && load();
    document.addEventListener('visibilitychange', onVisible);
    window.addEventListener(DEPLOYED_EVENT, load);
    return () => {
      stopped = true;
      window.removeEventListener(DEPLOYED_EVENT, load);
      clearInterval(poll);
      document.removeEventListener('visibilitychange', onVisible);
      for (const stop of watches.values()) stop();
    };
  }, [limit]);

  return { items, error };
}

// 'open' when every live connection is up (or none is needed), else 'connecting'/'offline'.
function subscribeConnections(callback) {
  const stops = ['history', 'status'].map((kind) => live(kind).onState(callback));
  return () => stops.forEach((stop) => stop());
}

function connectionSnapshot() {
  const states = connectionStates();
  if (states.includes('offline')) return 'offline';
  return 'open';
}

export function useConnectionState() {
  return useSyncExternalStore(subscribeConnections, connectionSnapshot);
}

// The current time, refreshed every `periodMs` while `active`.
export function useNow(active, periodMs = 1000) {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!active) return undefined;
    setNow(Date.now());
    const timer = setInterval(() => setNow(Date.now()), periodMs);
    return () => clearInterval(timer);
  }, [active, periodMs]);
  return now;
}

// Changes come in bursts (a build's statuses, its aliases' moves): one reload per burst.
const PROJECT_RELOAD_MS = 150;

// One project and its deployments, reloaded whenever its live feed on /ws says something
// changed (a status, an alias); `reload` also reloads after the page's own calls.
export function useProject(name) {
  const [project, setProject] = useState(null);
  const [deployments, setDeployments] = useState(null);
  const [error, setError] = useState(null);
  const [notFound, setNotFound] = useState(false);
  const [version, setVersion] = useState(0);

  useEffect(() => {
    let timer = null;
    const changed = () => {
      timer ??= setTimeout(() => {
        timer = null;
        setVersion((v) => v + 1);
      }, PROJECT_RELOAD_MS);
    };
    const stop = live('status').watchProject(name, changed);
    return () => {
      stop();
      if (timer) clearTimeout(timer);
    };
  }, [name]);

  useEffect(() => {
    let stopped = false;
    (async () => {
      try {
        const [loaded, list] = await Promise.all([getProject(name), listProjectDeployments(name)]);
        if (stopped) return;
        setProject(loaded);
        setDeployments(list);
        setError(null);
        setNotFound(false);
      } catch (failure) {
        if (stopped) return;
        if (failure instanceof ApiError && failure.status === 404) setNotFound(true);
        else setError(failure.message);
      }
    })();
    return () => {
      stopped = true;
    };
  }, [name, version]);

  return { project, deployments, error, notFound, reload: () => setVersion((v) => v + 1), setProject };
}
