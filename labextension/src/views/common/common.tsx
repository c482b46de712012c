/** Small pieces shared by the views: error box, status dot, deploy form, tick hook, metric format. */
import * as React from 'react';

export function ErrorBox(props: {
  error: { message: string; extensionMissing?: boolean; field?: string | null };
  onRetry?: () => void;
}): JSX.Element {
  const { error, onRetry } = props;
  return (
    <div className="labstudio-error" data-testid="labstudio-error" role="alert">
      <p className="labstudio-error-message">{error.message}</p>
      {error.extensionMissing && (
        <p>
          Install labstudio in the Python environment of the Jupyter server, run{' '}
          <code>jupyter server extension enable labstudio</code> and restart
          JupyterLab.
        </p>
      )}
      {onRetry && (
        <button className="labstudio-button" onClick={onRetry}>
          Retry
        </button>
      )}
    </div>
  );
}

/** A coloured dot for a run / endpoint status (the colour comes from the theme). */
export function StatusDot(props: { status: string }): JSX.Element {
  const slug = props.status.toLowerCase().replace(/[^a-z]/g, '');
  return (
    <span
      className={`labstudio-status-icon labstudio-status-${slug}`}
      data-testid="labstudio-status-icon"
      data-status={props.status}
      title={props.status}
      role="img"
      aria-label={props.status}
    />
  );
}

/** "1 run", "3 runs", "1,200 runs" (a noun and its plural with an s, or the one given). */
export function plural(
  count: number,
  noun: string,
  nouns = `${noun}s`
): string {
  return `${count.toLocaleString()} ${count === 1 ? noun : nouns}`;
}

/** Re-render every `interval` ms (0: never). */
export function useTick(interval: number): void {
  const [, setTick] = React.useState(0);
  React.useEffect(() => {
    if (!interval) {
      return;
    }
    const id = setInterval(() => setTick(t => t + 1), interval);
    return () => clearInterval(id);
  }, [interval]);
}

/**
 * A metric value with `digits` significant digits (4 by default; integers as they are).
 * A column of values uses `distinctDigits` to pick enough digits to tell them apart.
 */
export function formatMetric(
  value: number | string | null | undefined,
  digits = DEFAULT_DIGITS
): string {
  if (value === null || value === undefined || value === '') {
    return '–';
  }
  if (typeof value === 'string') {
    return value;
  }
  if (!Number.isFinite(value)) {
    return String(value);
  }
  if (Number.isInteger(value) && Math.abs(value) < 1e7) {
    return String(value);
  }
  const abs = Math.abs(value);
  if (abs !== 0 && (abs < 1e-3 || abs >= 1e7)) {
    return value.toExponential(digits - 1);
  }
  return String(Number(value.toPrecision(digits)));
}

const DEFAULT_DIGITS = 4;
/** Doubles carry 17 significant digits: beyond that nothing more can be told apart. */
const MAX_DIGITS = 17;

/**
 * The fewest significant digits (at least 4) with which the distinct numbers among
 * `values` print distinct: 0.0105, 0.0107 and 0.0102 need 3, so 4; 0.010501 and
 * 0.010502 need 5. Values that print equal at 17 digits are equal.
 */
export function distinctDigits(
  values: readonly (number | string | null | undefined)[]
): number {
  const numbers = [
    ...new Set(
      values.filter(
        (v): v is number => typeof v === 'number' && Number.isFinite(v)
      )
    )
  ];
  for (let digits = DEFAULT_DIGITS; digits < MAX_DIGITS; digits++) {
    const printed = new Set(numbers.map(v => formatMetric(v, digits)));
    if (printed.size === numbers.length) {
      return digits;
    }
  }
  return MAX_DIGITS;
}

/** Copy text to the clipboard (falls back to a hidden textarea). */
export async function copyText(text: string): Promise<void> {
  try {
    await navigator.clipboard.writeText(text);
  } catch {
    const area = document.createElement('textarea');
    area.value = text;
    document.body.appendChild(area);
    area.select();
    document.execCommand('copy');
    area.remove();
  }
}

/** Save `text` as a file named `filename` (the object URL is freed once the click is handled). */
export function downloadText(text: string, filename: string): void {
  const url = URL.createObjectURL(new Blob([text], { type: 'text/plain' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

/** The endpoint-name form behind a Deploy button (a job's detail, a tuning job's best trial). */
export function DeployForm(props: {
  name: string;
  busy: boolean;
  onChange: (name: string) => void;
  onDeploy: (name: string) => void;
  onCancel: () => void;
}): JSX.Element {
  const { name, busy } = props;
  return (
    <form
      className="labstudio-toolbar labstudio-deploy-form"
      onSubmit={e => {
        e.preventDefault();
        props.onDeploy(name);
      }}
    >
      <label className="labstudio-inline-label">
        Endpoint name
        <input
          className="jp-mod-styled"
          data-testid="labstudio-deploy-name"
          value={name}
          onChange={e => props.onChange(e.target.value)}
          autoFocus
        />
      </label>
      <button
        type="submit"
        className="labstudio-button labstudio-primary"
        data-testid="labstudio-deploy-confirm"
        disabled={busy || !name.trim()}
      >
        {busy ? 'Deploying…' : 'Deploy'}
      </button>
      <button
        type="button"
        className="labstudio-button"
        onClick={props.onCancel}
      >
        Cancel
      </button>
    </form>
  );
}
