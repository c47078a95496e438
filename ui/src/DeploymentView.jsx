import { useEffect, useState } from 'react';
import { cancelDeployment, createDeployment, deployProject } from './api.js';
import { useDeployment, useNow } from './hooks.js';
import LogView from './LogView.jsx';
import { STEPS, STATUS_LABELS, formatDuration, isFinal, repoName, stepDuration, timeAgo } from './model.js';
import { Link, deploymentPath, navigate } from './router.jsx';

// The same repository, ref and build settings. The server shows only the names of build
// variables (env), never their values, so they cannot be sent again from here.
function sameRequest(deployment) {
  const { env: _names, ...settings } = deployment.settings ?? {};
  return {
    ...settings,
    repoUrl: deployment.repoUrl,
    ref: deployment.ref,
    rootDir: rootDirOf(deployment),
  };
}

function rootDirOf(deployment) {
  return deployment?.rootDir ?? deployment?.settings?.rootDir ?? null;
}

// Where a queued deployment stands, as the API last said; null once it left the queue.
function queuePlace(status, deployment) {
  if (status !== 'PENDING' || deployment?.queuePosition == null) return null;
  return { position: deployment.queuePosition, reason: deployment.queueReason };
}

function StatusBadge({ status }) {
  return <span className={`badge badge-${(status ?? 'unknown').toLowerCase()}`}>{status ?? '…'}</span>;
}

// The element tests and screen readers follow: the status word and the phase, or while
// queued its place in the queue and why it waits.
function StatusLine({ status, phase, queue }) {
  const working = status === 'PENDING' || status === 'IN_PROGRESS';
  return (
    <div className={`status-line status-${(status ?? 'unknown').toLowerCase()}`} role="status" aria-live="polite">
      <span className={`status-dot${working ? ' pulsing' : ''}`} aria-hidden="true" />
      <strong className="status-word">{status ?? 'LOADING'}</strong>
      {phase && (
        <>
          <span className="status-sep" aria-hidden="true">
            ·
          </span>
          <span className="status-phase">{phase}</span>
        </>
      )}
      {queue && (
        <>
          <span className="status-sep" aria-hidden="true">
            ·
          </span>
          <span className="status-queue">
            #{queue.position} in the queue: {queue.reason}
          </span>
        </>
      )}
    </div>
  );
}

function Timeline({ steps, status, deployment, now }) {
  const final = isFinal(status);
  const reached = new Map(steps.map((step) => [step.key, step]));
  const currentKey = final ? null : steps[steps.length - 1]?.key;
  const lastKey = steps[steps.length - 1]?.key;
  const created = Date.parse(deployment?.createdAt ?? '');
  const updated = Date.parse(deployment?.updatedAt ?? '');
  const total = final && !Number.isNaN(created) && !Number.isNaN(updated) ? updated - created : null;

  return (
    <ol className="timeline" aria-label="Phases">
      {STEPS.map(({ key, label }) => {
        const step = reached.get(key);
        let state = 'upcoming';
        if (step) state = key === currentKey ? 'active' : 'done';
        if (step && key === lastKey && status === 'ERROR') state = 'failed';
        if (step && key === lastKey && status === 'CANCELED') state = 'canceled';
        if (!step && final) state = 'skipped';
        const duration = step ? stepDuration(step, state === 'active' ? now : null) : null;
        const stateText = { upcoming: 'not started', active: 'in progress', done: 'done', failed: 'failed', canceled: 'canceled', skipped: 'skipped' }[state];
        return (
          <li key={key} className={`step step-${state}`} aria-current={state === 'active' ? 'step' : undefined}>
            <span className="step-marker" aria-hidden="true" />
            <span className="step-label">{label}</span>
            <span className="step-time">
              <span className="visually-hidden">{stateText}</span>
              {duration != null ? ` ${formatDuration(duration)}` : state === 'active' ? ' …' : ''}
            </span>
          </li>
        );
      })}
      <li className={`step step-end step-${final ? status.toLowerCase() : 'upcoming'}`}>
        <span className="step-marker" aria-hidden="true" />
        <span className="step-label">{final ? STATUS_LABELS[status] : 'Ready'}</span>
        <span className="step-time">{total != null ? `total ${formatDuration(total)}` : ''}</span>
      </li>
    </ol>
  );
}

function Actions({ deployment, status }) {
  const [busy, setBusy] = useState(null);
  const [message, setMessage] = useState(null);
  useEffect(() => setMessage(null), [deployment?.id]);
  if (!deployment) return null;

  const redeploy = async () => {
    setBusy('redeploy');
    setMessage(null);
    try {
      const created = deployment.project
        ? // The project's branch with its current settings and variables; an unchanged
          // commit is not built again.
          await deployProject(deployment.project, deployment.branch ?? '')
        : await createDeployment(sameRequest(deployment));
      navigate(deploymentPath(created.id));
    } catch (error) {
      setMessage(`Could not redeploy: ${error.message}`);
    } finally {
      setBusy(null);
    }
  };

  const cancel = async () => {
    setBusy('cancel');
    setMessage(null);
    try {
      await cancelDeployment(deployment.id);
    } catch (error) {
      setMessage(
        error.status === 404 || error.status === 405
          ? 'This server cannot cancel deployments yet.'
          : `Could not cancel: ${error.message}`,
      );
    } finally {
      setBusy(null);
    }
  };

  const running = status === 'PENDING' || status === 'IN_PROGRESS';
  return (
    <div className="actions">
      {running && (
        <button type="button" className="button danger" onClick={cancel} disabled={busy !== null}>
          {busy === 'cancel' ? 'Canceling…' : 'Cancel'}
        </button>
      )}
      {!running && (
        <button type="button" className="button" onClick={redeploy} disabled={busy !== null}>
          {busy === 'redeploy' ? 'Redeploying…' : 'Redeploy'}
        </button>
      )}
      {message && (
        <p className="action-error" role="alert">
          {message}
        </p>
      )}
    </div>
  );
}

export default function DeploymentView({ id }) {
  const { deployment, notFound, loadError, status, phase, error, steps, logs } = useDeployment(id);
  const working = status === 'PENDING' || status === 'IN_PROGRESS';
  const now = useNow(working);

  useEffect(() => {
    const name = repoName(deployment?.repoUrl) || id;
    document.title = status ? `${STATUS_LABELS[status] ?? status} · ${name} · Reactor` : 'Reactor';
    return () => {
      document.title = 'Reactor';
    };
  }, [status, deployment?.repoUrl, id]);

  if (notFound) {
    return (
      <section className="card empty-state">
        <h1>No deployment “{id}”</h1>
        <p>It may have been typed wrong, or it belongs to another Reactor server.</p>
        <Link to="/" className="button primary">
          Start a new deployment
        </Link>
      </section>
    );
  }
  if (loadError) {
    return (
      <section className="card empty-state">
        <h1>Cannot load this deployment</h1>
        <p role="alert">{loadError}</p>
        <button type="button" className="button" onClick={() => window.location.reload()}>
          Try again
        </button>
      </section>
    );
  }

  const url = deployment?.url;
  return (
    <article className="card deployment" aria-labelledby="deployment-title">
      <header className="deployment-head">
        <div className="deployment-title-block">
          <p className="eyebrow">
            Deployment <code>{id}</code>
          </p>
          <h1 id="deployment-title" title={deployment?.repoUrl}>
            {deployment ? repoName(deployment.repoUrl) : 'Loading…'}
          </h1>
          {deployment && (
            <dl className="facts">
              <div>
                <dt>Repository</dt>
                <dd className="truncate" title={deployment.repoUrl}>
                  {deployment.repoUrl}
                </dd>
              </div>
              <div>
                <dt>Branch</dt>
                <dd>{deployment.ref ?? 'default'}</dd>
              </div>
              {rootDirOf(deployment) && (
                <div>
                  <dt>Root</dt>
                  <dd>{rootDirOf(deployment)}</dd>
                </div>
              )}
              {deployment.commit && (
                <div>
                  <dt>Commit</dt>
                  <dd>
                    <code title={deployment.commit}>{deployment.commit.slice(0, 7)}</code>
                  </dd>
                </div>
              )}
              <div>
                <dt>Started</dt>
                <dd>
                  <time dateTime={deployment.createdAt} title={new Date(deployment.createdAt).toLocaleString()}>
                    {timeAgo(deployment.createdAt, now)}
                  </time>
                </dd>
              </div>
            </dl>
          )}
        </div>
        <Actions deployment={deployment} status={status} />
      </header>

      <StatusLine status={status} phase={working ? phase : null} queue={queuePlace(status, deployment)} />

      {status === 'DEPLOYED' && url && (
        <div className="outcome outcome-deployed">
          <span className="outcome-label">Your site is live at</span>
          <a className="site-link" href={url} target="_blank" rel="noreferrer">
            {url}
          </a>
        </div>
      )}
      {status === 'ERROR' && (
        <div className="outcome outcome-error" role="alert">
          <h2>The deployment failed</h2>
          <pre className="error-message">{error || deployment?.error || 'No reason was given.'}</pre>
        </div>
      )}
      {status === 'CANCELED' && (
        <div className="outcome outcome-canceled">
          <h2>Canceled</h2>
          <p>This deployment was stopped before it went live. Redeploy to start it again.</p>
        </div>
      )}

      <section className="section" aria-labelledby="timeline-title">
        <h2 id="timeline-title" className="section-title">
          Timeline
        </h2>
        <Timeline steps={steps} status={status} deployment={deployment} now={now} />
      </section>

      <section className="section" aria-labelledby="log-title">
        <h2 id="log-title" className="section-title">
          Build log
        </h2>
        <LogView lines={logs} running={working} />
      </section>
    </article>
  );
}

export { StatusBadge };
