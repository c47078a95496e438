// A project's Git webhooks: the payload URL to give GitHub, GitLab or Gitea, and its secret,
// made anew here and shown once.
import { useState } from 'react';
import { getWebhook, rotateWebhookSecret } from './api.js';
import { FormFooter } from './Field.jsx';
import { useEditableList } from './hooks.js';
import { Link, deploymentPath } from './router.jsx';
import ShownOnce from './ShownOnce.jsx';

const PROVIDERS = [
  ['github', 'GitHub', 'push and pull request events, content type application/json'],
  ['gitlab', 'GitLab', 'push and merge request events; the secret goes in "Secret token"'],
  ['gitea', 'Gitea / Forgejo', 'push, delete and pull request events'],
];

export default function GitWebhooks({ project }) {
  const { items: webhook, busy, message, run } = useEditableList(() => getWebhook(project.name), project.name);
  const [secret, setSecret] = useState(null);

  const rotate = (event) => {
    event.preventDefault();
    run(async () => setSecret((await rotateWebhookSecret(project.name)).secret));
  };

  return (
    <section className="card" aria-labelledby="webhooks-title">
      <h2 id="webhooks-title" className="section-title">
        Git webhooks
      </h2>
      <p className="muted">
        Every push then deploys by itself: the production branch to production, other branches and pull requests to previews.
      </p>
      {webhook && (
        <ul className="project-list" aria-label="Payload URLs">
          {PROVIDERS.map(([key, label, events]) => {
            const url = `${window.location.origin}${webhook.paths[key]}`;
            return (
              <li key={key} className="project-item">
                <strong>{label}</strong>
                <code className="hook-url">{url}</code>
                <span className="muted">{events}</span>
                <button type="button" className="button small" aria-label={`Copy the ${label} URL`} onClick={() => navigator.clipboard?.writeText(url)}>
                  Copy
                </button>
              </li>
            );
          })}
        </ul>
      )}
      {webhook && (
        <p className="muted">
          {webhook.secretSet
            ? 'A secret is set (shown once, when the project was made). Make a new one here to see it; it replaces the old one at once.'
            : 'No secret yet: every delivery is refused until you make one.'}
        </p>
      )}
      {webhook?.deliveries?.length > 0 && (
        <table className="deliveries" aria-label="Latest webhook deliveries">
          <thead>
            <tr>
              <th>From</th>
              <th>Event</th>
              <th>Answer</th>
              <th>Build</th>
            </tr>
          </thead>
          <tbody>
            {webhook.deliveries.map((delivery) => (
              <tr key={`${delivery.provider}:${delivery.id}`}>
                <td>{delivery.provider}</td>
                <td>{delivery.event}</td>
                <td>
                  {delivery.status} {delivery.result}
                </td>
                <td>{delivery.deploymentId ? <Link to={deploymentPath(delivery.deploymentId)}>{delivery.deploymentId}</Link> : '–'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {secret && <ShownOnce label="The webhook secret" value={secret} />}
      <form onSubmit={rotate} aria-label="New webhook secret">
        <FormFooter message={message} busy={busy} label="Make a new secret" busyLabel="Making…" primary={false} />
      </form>
    </section>
  );
}
