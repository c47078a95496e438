import { useNow } from './hooks.js';
import { repoName, timeAgo } from './model.js';
import { Link, deploymentPath } from './router.jsx';
import { StatusBadge } from './DeploymentView.jsx';

function siteHost(url) {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}

export default function RecentList({ items, error, currentId }) {
  const now = useNow(true, 30000);
  return (
    <section className="card recent" aria-labelledby="recent-title">
      <h2 id="recent-title" className="section-title">
        Recent deployments
      </h2>
      {error && !items && <p className="muted">Cannot load the list: {error}</p>}
      {items === null && !error && <p className="muted">Loading…</p>}
      {items?.length === 0 && <p className="muted">Nothing deployed yet. Your deployments will show here.</p>}
      {items?.length > 0 && (
        <ul className="recent-list">
          {items.map((item) => (
            <li key={item.id} className={`recent-item${item.id === currentId ? ' current' : ''}`}>
              <div className="recent-main">
                <Link
                  to={deploymentPath(item.id)}
                  className="recent-name"
                  aria-current={item.id === currentId ? 'page' : undefined}
                  title={item.repoUrl}
                >
                  {repoName(item.repoUrl)}
                </Link>
                <StatusBadge status={item.status} />
              </div>
              <div className="recent-meta">
                {item.status === 'DEPLOYED' && item.url ? (
                  <a href={item.url} target="_blank" rel="noreferrer" className="recent-site">
                    {siteHost(item.url)}
                  </a>
                ) : (
                  <span className="recent-phase">
                    {item.status === 'IN_PROGRESS' ? item.phase : item.ref ?? item.id}
                  </span>
                )}
                <time dateTime={item.createdAt}>{timeAgo(item.createdAt, now)}</time>
              </div>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
