// The server's API token (README.md, "Access control"), and the one prompt that asks for it.
//
// The token lives in sessionStorage: it survives a reload of this tab but goes when the
// tab closes, is not shared with other tabs, and is never left on disk for the next person
// at a shared computer. It lets its holder deploy and cancel anything on the server, so a
// fresh tab asking once more is the better trade than localStorage's "forever".
import { useSyncExternalStore } from 'react';

const STORAGE_KEY = 'reactor.apiToken';

// {token, prompt}; prompt is null, or {error, checking} while the dialog is on screen.
let state = { token: readStoredToken(), prompt: null };
let waiters = []; // resolve functions of the calls waiting for an answer
const listeners = new Set();

function readStoredToken() {
  try {
    return window.sessionStorage.getItem(STORAGE_KEY);
  } catch {
    return null; // storage disabled: the token is asked for again after a reload
  }
}

function update(changes) {
  state = { ...state, ...changes };
  for (const listener of listeners) listener();
}

function subscribe(listener) {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function useTokenState() {
  return useSyncExternalStore(subscribe, () => state);
}

export function currentToken() {
  return state.token;
}

export function forgetToken() {
  try {
    window.sessionStorage.removeItem(STORAGE_KEY);
  } catch {
    // nothing was stored
  }
  update({ token: null });
}

// Shows the prompt (with `error` when the last token was refused) and resolves with the
// token typed, or with null when the person declines. Concurrent calls share one prompt.
export function askForToken(error = null) {
  update({ prompt: { error, checking: false } });
  return new Promise((resolve) => waiters.push(resolve));
}

// The prompt's answer. A token keeps the prompt open ("checking") until the retried call
// says whether the server took it: see tokenAccepted and askForToken.
export function answerPrompt(token) {
  const resolves = waiters;
  waiters = [];
  update({ prompt: token === null ? null : { error: null, checking: true } });
  for (const resolve of resolves) resolve(token);
}

// The server took `token`: remember it for this tab and close the prompt.
export function tokenAccepted(token) {
  try {
    window.sessionStorage.setItem(STORAGE_KEY, token);
  } catch {
    // kept in memory only
  }
  update({ token, prompt: null });
}

// The retried call failed for another reason (the network): close the prompt unanswered.
export function closePrompt() {
  if (waiters.length === 0) update({ prompt: null });
}
