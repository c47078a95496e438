// Where a project's deployment events are POSTed (signed the Standard Webhooks way), and
// how the latest deliveries went.
import { useState } from 'react';
import { addNotificationEndpoint, deleteNotificationEndpoint, listNotifications } from './api.js';
import Field, { FormFooter } from './Field.jsx';
import { useEditableList } from './hooks.js';
import ShownOnce from './ShownOnce.jsx';

const EVENTS = ['queued', 'building', 'ready', 'error', 'canceled', 'promoted', 'rolled_back', 'deleted'].map((e) => `deployment.${e}`);

function answer(delivery) {
  if (delivery.lastError) return delivery.lastError;
  return delivery.lastStatus ? `HTTP ${delivery.lastStatus}` : 'not sent yet';
}

export default function Notifications({ project }) {
  const { items: listed, busy, message, run } = useEditableList(() => listNotifications(project.name), project.name);
  const [url, setUrl] = useState('');
  const [events, setEvents] = useState([]); // none: all
  const [secret, setSecret] = useState(null);

  const add = (event) => {
    event.preventDefault();
    setSecret(null);
    run(async () => {
      const endpoint = await addNotificationEndpoint(project.name, { url: url.trim(), events: events.length > 0 ? events : undefined });
      setSecret(endpoint.secret);
      setUrl('');
      setEvents([]);
    });
  };
  const toggle = (name) => setEvents((chosen) => (chosen.includes(name) ? chosen.filter((e) => e !== name) : [...chosen, name]));

  return (
    <section className="card" aria-labelledby="notifications-title">
      <h2 id="notifications-title" className="section-title">
        Notifications
      </h2>
      <p className="muted">Reactor POSTs each event to these URLs, retrying for a day when they fail.</p>
      {listed?.endpoints.length > 0 ? (
        <ul className="project-list" aria-label="Notification endpoints">
          {listed.endpoints.map((endpoint) => (
            <li key={endpoint.id} className="project-item">
              <code>{endpoint.url}</code>
              <span className="muted">{endpoint.events.length > 0 ? endpoint.events.join(', ') : 'every event'}</span>
              <button
                type="button"
                className="button small"
                disabled={busy}
                aria-label={`Remove ${endpoint.url}`}
                onClick={() => run(() => deleteNotificationEndpoint(project.name, endpoint.id))}
              >
                Remove
              </button>
            </li>
          ))}
        </ul>
      ) : (
        listed && <p className="muted">No notification endpoints yet.</p>
      )}
      {listed?.deliveries.length > 0 && (
        <table className="deliveries" aria-label="Latest deliveries">
          <thead>
            <tr>
              <th>Event</th>
              <th>State</th>
              <th>Attempts</th>
              <th>Answer</th>
            </tr>
          </thead>
          <tbody>
            {listed.deliveries.map((delivery) => (
              <tr key={delivery.id}>
                <td>{delivery.type}</td>
                <td>{delivery.state}</td>
                <td>{delivery.attempts}</td>
                <td>{answer(delivery)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {secret && <ShownOnce label="Its signing secret" value={secret} />}
      <form onSubmit={add} noValidate aria-label="Add a notification endpoint">
        <Field name="notifyUrl" label="URL" value={url} onChange={setUrl} placeholder="https://example.com/hooks/reactor" required />
        <p className="muted">Events (none chosen: all of them)</p>
        <div className="checkbox-row">
          {EVENTS.map((name) => (
            <label key={name} className="checkbox">
              <input type="checkbox" checked={events.includes(name)} onChange={() => toggle(name)} />
              {name}
            </label>
          ))}
        </div>
        <FormFooter message={message} busy={busy} label="Add endpoint" busyLabel="Adding…" primary={false} />
      </form>
    </section>
  );
}
