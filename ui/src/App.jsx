import DeployForm from './DeployForm.jsx';
import DeploymentView from './DeploymentView.jsx';
import ProjectSettings from './ProjectSettings.jsx';
import ProjectView from './ProjectView.jsx';
import ProjectsView from './ProjectsView.jsx';
import { useConnectionState, useRecentDeployments } from './hooks.js';
import RecentList from './RecentList.jsx';
import TokenDialog, { ForgetTokenButton } from './TokenDialog.jsx';
import { Link, deploymentPath, matchRoute, navigate, usePath } from './router.jsx';

function Logo() {
  return (
    <svg className="logo" viewBox="0 0 32 32" aria-hidden="true" focusable="false">
      <rect width="32" height="32" rx="8" />
      <path d="M16 6l8.7 5v10L16 26l-8.7-5V11z" fill="none" stroke="currentColor" strokeWidth="2.4" />
      <circle cx="16" cy="16" r="3" fill="currentColor" />
    </svg>
  );
}

function Page({ route, onDeployed }) {
  switch (route.name) {
    case 'deployment':
      return <DeploymentView key={route.id} id={route.id} />;
    case 'projects':
      return <ProjectsView />;
    case 'project':
      return <ProjectView key={route.project} name={route.project} />;
    case 'settings':
      return <ProjectSettings key={route.project} name={route.project} />;
    default:
      return <DeployForm onDeployed={onDeployed} />;
  }
}

export default function App() {
  const route = matchRoute(usePath());
  const recent = useRecentDeployments();
  const connection = useConnectionState();

  const onDeployed = (created) => navigate(deploymentPath(created.id));

  return (
    <>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <div className="topbar-inner">
          <Link to="/" className="brand">
            <Logo />
            <span>Reactor</span>
          </Link>
          <div className="topbar-actions">
            <ForgetTokenButton />
            <Link to="/p" className="button small" aria-current={route.name === 'projects' ? 'page' : undefined}>
              Projects
            </Link>
            {route.name !== 'home' && (
              <Link to="/" className="button small">
                New deployment
              </Link>
            )}
          </div>
        </div>
      </header>
      {connection === 'offline' && (
        <div className="banner" role="alert">
          Live updates lost: reconnecting…
        </div>
      )}
      <main id="main" className="layout">
        <div className="primary">
          <Page route={route} onDeployed={onDeployed} />
        </div>
        <aside className="secondary" aria-label="Recent deployments">
          <RecentList items={recent.items} error={recent.error} currentId={route.id} />
        </aside>
      </main>
      <TokenDialog />
    </>
  );
}
