// A secret the server shows only in the answer that made it (a hook's URL, a signing
// secret), with a copy button.

// Secrets made on one page and shown on the next, held in memory only, each taken once.
const handedOver = new Map();

export function handOver(key, value) {
  if (value) handedOver.set(key, value);
}

export function takeOver(key) {
  const value = handedOver.get(key) ?? null;
  handedOver.delete(key);
  return value;
}

export default function ShownOnce({ label, value }) {
  return (
    <div className="confirm" role="status">
      <p>{label}, shown only now:</p>
      <code className="hook-url">{value}</code>
      <button type="button" className="button small" onClick={() => navigator.clipboard?.writeText(value)}>
        Copy
      </button>
    </div>
  );
}
