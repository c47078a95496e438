// Client-side routing on the history API: `/` is the home page, `/d/<id>` a deployment,
// `/p` the projects, `/p/<name>` a project and `/p/<name>/settings` its settings (paths the
// API does not use, so a reload finds the page).
import { useSyncExternalStore } from 'react';

const NAVIGATE = 'reactor:navigate';

function subscribe(callback) {
  window.addEventListener('popstate', callback);
  window.addEventListener(NAVIGATE, callback);
  return () => {
    window.removeEventListener('popstate', callback);
    window.removeEventListener(NAVIGATE, callback);
  };
}

export function navigate(path, { replace = false } = {}) {
  if (path === window.location.pathname) return;
  window.history[replace ? 'replaceState' : 'pushState'](null, '', path);
  window.dispatchEvent(new Event(NAVIGATE));
  window.scrollTo(0, 0);
}

export function usePath() {
  return useSyncExternalStore(subscribe, () => window.location.pathname);
}

export function matchRoute(path) {
  const match = /^\/d\/([^/]+)\/?$/.exec(path);
  if (match) return { name: 'deployment', id: decodeURIComponent(match[1]) };
  if (/^\/p\/?$/.test(path)) return { name: 'projects' };
  const project = /^\/p\/([^/]+)(\/settings)?\/?$/.exec(path);
  if (project) return { name: project[2] ? 'settings' : 'project', project: decodeURIComponent(project[1]) };
  return { name: 'home' };
}

export function deploymentPath(id) {
  return `/d/${encodeURIComponent(id)}`;
}

export function projectPath(name, page = '') {
  return `/p/${encodeURIComponent(name)}${page ? `/${page}` : ''}`;
}

// An <a> that navigates in place on a plain left click and behaves as a link otherwise.
export function Link({ to, onClick, ...props }) {
  const handleClick = (event) => {
    onClick?.(event);
    if (event.defaultPrevented || event.button !== 0) return;
    if (event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    event.preventDefault();
    navigate(to);
  };
  return <a href={to} onClick={handleClick} {...props} />;
}
