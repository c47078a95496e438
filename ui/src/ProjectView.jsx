// One project: its production address, its deployments grouped by branch, and promote and
// rollback, each confirmed before it is sent. The page follows the project live.
import { useState } from 'react';
import { deployProject, promoteDeployment, rollbackProject } from './api.js';
import { StatusBadge } from './DeploymentView.jsx';
import { useNow, useProject } from './hooks.js';
import { timeAgo } from './model.js';
import { Link, deploymentPath, navigate, projectPath } from './router.jsx';
import ShownOnce, { takeOver } from './ShownOnce.jsx';

// Branches in the order of their newest deployment, the production branch first.
function groupByBranch(deployments, productionBranch) {
  const groups = new Map();
  for (const deployment of deployments) {
    const branch = deployment.branch ?? deployment.ref ?? '';
    if (!groups.has(branch)) groups.set(branch, []);
    groups.get(branch).push(deployment);
  }
  return [...groups].sort(([a], [b]) => (a === productionBranch ? -1 : b === productionBranch ? 1 : 0));
}

// What a confirmation asks before it sends the call.
function question(pending, project) {
  if (pending.kind === 'rollback') {
    return `Roll production of ${project.name} back to the deployment before ${project.productionDeploymentId}? New builds of ${project.productionBranch} will not go live until you promote one.`;
  }
  return `Point production of ${project.name} (${project.url}) at deployment ${pending.id}?`;
}

function DeployBranch({ project, onError }) {
  const [ref, setRef] = useState('');
  const [busy, setBusy] = useState(false);
  const submit = async (event) => {
    event.preventDefault();
    setBusy(true);
    try {
      const created = await deployProject(project.name, ref.trim());
      navigate(deploymentPath(created.id));
    } catch (error) {
      onError(`Could not deploy: ${error.message}`);
      setBusy(false);
    }
  };
  return (
    <form className="inline-form" onSubmit={submit} aria-label="Deploy a branch">
      <label htmlFor="deploy-ref">Branch, tag or commit</label>
      <input
        id="deploy-ref"
        value={ref}
        onChange={(event) => setRef(event.target.value)}
        placeholder={project.productionBranch ?? 'main'}
        autoComplete="off"
        spellCheck="false"
      />
      <button type="submit" className="button primary" disabled={busy}>
        {busy ? 'Deploying…' : 'Deploy'}
      </button>
    </form>
  );
}

// What a preview alias follows: a pull request, a tag or a branch.
function previewOf(alias) {
  const pullRequest = alias.label.match(/--pr-(\d+)$/);
  if (pullRequest) return `pull request #${pullRequest[1]}`;
  if (alias.branch?.startsWith('refs/tags/')) return `tag ${alias.branch.slice('refs/tags/'.length)}`;
  return `branch ${alias.branch}`;
}

function Previews({ project }) {
  const previews = (project.aliases ?? []).filter((alias) => alias.label !== project.name);
  if (previews.length === 0) return null;
  return (
    <section className="card" aria-labelledby="previews-title">
      <h2 id="previews-title" className="section-title">
        Previews
      </h2>
      <ul className="branch-list" aria-label="Previews">
        {previews.map((alias) => (
          <li key={alias.label} className="branch-item">
            <a href={alias.url} target="_blank" rel="noreferrer">
              {alias.url}
            </a>
            <span className="muted">{previewOf(alias)}</span>
            <Link to={deploymentPath(alias.deploymentId)}>{alias.deploymentId}</Link>
          </li>
        ))}
      </ul>
    </section>
  );
}

export default function ProjectView({ name }) {
  const { project, deployments, error, notFound, setProject } = useProject(name);
  const [pending, setPending] = useState(null); // {kind: 'promote'|'rollback', id?}
  // Made with the project just now, on the page that created it.
  const [webhookSecret] = useState(() => takeOver(`webhook-secret:${name}`));
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState(null);
  const now = useNow(true, 30000);

  if (notFound) {
    return (
      <section className="card empty-state">
        <h1>No project “{name}”</h1>
        <Link to="/p" className="button primary">
          All projects
        </Link>
      </section>
    );
  }
  if (!project) {
    return <section className="card">{error ? <p role="alert">{error}</p> : <p className="muted">Loading…</p>}</section>;
  }

  const confirm = async () => {
    setBusy(true);
    setMessage(null);
    try {
      const updated =
        pending.kind === 'rollback'
          ? await rollbackProject(project.name)
          : await promoteDeployment(project.name, pending.id);
      setProject(updated);
      setPending(null);
    } catch (failure) {
      setMessage(failure.message);
    } finally {
      setBusy(false);
    }
  };

  const productionId = project.productionDeploymentId;
  return (
    <>
      <section className="card project-head" aria-labelledby="project-title">
        <div className="project-title-row">
          <h1 id="project-title">{project.name}</h1>
          <Link to={projectPath(project.name, 'settings')} className="button small">
            Settings
          </Link>
        </div>
        <p className="muted">
          {project.repoUrl} · production branch <code>{project.productionBranch}</code>
        </p>
        {productionId ? (
          <p>
            Production:{' '}
            <a href={project.url} target="_blank" rel="noreferrer">
              {project.url}
            </a>{' '}
            serves <Link to={deploymentPath(productionId)}>{productionId}</Link>
          </p>
        ) : (
          <p className="muted">Not live yet: a build of {project.productionBranch} that succeeds goes live.</p>
        )}
        {webhookSecret && (
          <>
            <ShownOnce label="The project's Git webhook secret" value={webhookSecret} />
            <p className="muted">
              Give it to GitHub, GitLab or Gitea with a payload URL from <Link to={projectPath(project.name, 'settings')}>Settings</Link>, and every push
              deploys by itself.
            </p>
          </>
        )}
        {!project.autoPromote && (
          <p className="banner-inline" role="note">
            Rolled back: new builds of {project.productionBranch} are not going live until you promote one.
          </p>
        )}
        <div className="actions">
          <DeployBranch project={project} onError={setMessage} />
          {productionId && (
            <button type="button" className="button danger" onClick={() => setPending({ kind: 'rollback' })} disabled={busy}>
              Roll back
            </button>
          )}
        </div>
        {pending && (
          <div className="confirm" role="alertdialog" aria-label="Confirm" aria-describedby="confirm-text">
            <p id="confirm-text">{question(pending, project)}</p>
            <button type="button" className="button primary" onClick={confirm} disabled={busy}>
              {busy ? 'Working…' : pending.kind === 'rollback' ? 'Yes, roll back' : 'Yes, promote'}
            </button>
            <button type="button" className="button" onClick={() => setPending(null)} disabled={busy}>
              Cancel
            </button>
          </div>
        )}
        {message && (
          <p className="action-error" role="alert">
            {message}
          </p>
        )}
      </section>
      <Previews project={project} />
      <section className="card" aria-labelledby="branches-title">
        <h2 id="branches-title" className="section-title">
          Deployments
        </h2>
        {deployments?.length === 0 && <p className="muted">No deployments yet.</p>}
        {groupByBranch(deployments ?? [], project.productionBranch).map(([branch, list]) => (
          <div key={branch} className="branch-group">
            <h3 className="branch-name">{branch || '(no branch)'}</h3>
            <ul className="branch-list" aria-label={`Deployments of ${branch}`}>
              {list.map((deployment) => (
                <li key={deployment.id} className="branch-item">
                  <Link to={deploymentPath(deployment.id)}>{deployment.id}</Link>
                  <StatusBadge status={deployment.status} />
                  {deployment.id === productionId && <span className="badge badge-production">Production</span>}
                  <code className="commit">{deployment.commit?.slice(0, 7) ?? ''}</code>
                  <time dateTime={deployment.createdAt}>{timeAgo(deployment.createdAt, now)}</time>
                  {deployment.status === 'DEPLOYED' && deployment.id !== productionId && (
                    <button
                      type="button"
                      className="button small"
                      onClick={() => setPending({ kind: 'promote', id: deployment.id })}
                      disabled={busy}
                      aria-label={`Promote ${deployment.id}`}
                    >
                      Promote
                    </button>
                  )}
                </li>
              ))}
            </ul>
          </div>
        ))}
      </section>
    </>
  );
}
