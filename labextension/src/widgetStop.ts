/**
 * The Stop buttons of the notebook widgets (`JobMonitor`, `TuningMonitor`), acted on
 * here in the browser through the REST API.
 *
 * A kernel running `fit()` executes that cell until the job ends: a click on an
 * ipywidgets button is a message to that kernel, read only once the cell returns (the
 * job would be stopped after it finished). So the widgets draw a plain button carrying
 * `data-labstudio-stop` (the kind of job) and `data-labstudio-job` (its name); one click
 * listener on the page catches it, calls `POST .../stop` at once and writes what it did
 * next to the button (`data-labstudio-stop-status`).
 */
import { IDisposable } from '@lumino/disposable';

import { LabstudioClient } from './api';
import { asApiError } from './panel/live';

/** The kinds of job a widget's Stop button names. */
export type StopKind = 'training' | 'tuning' | 'processing' | 'transform';

/** Stop a job of a kind; resolves with the status it has now. */
export async function stopByKind(
  client: LabstudioClient,
  kind: StopKind,
  name: string
): Promise<string> {
  switch (kind) {
    case 'tuning':
      return (await client.stopTuningJob(name)).HyperParameterTuningJobStatus;
    case 'processing':
      return (await client.stopProcessingJob(name)).ProcessingJobStatus;
    case 'transform':
      return (await client.stopTransformJob(name)).TransformJobStatus;
    default:
      return (await client.stopJob(name)).TrainingJobStatus;
  }
}

const KINDS: readonly string[] = [
  'training',
  'tuning',
  'processing',
  'transform'
];

/** The sentence shown once the stop was sent. */
export function stoppedText(
  kind: StopKind,
  name: string,
  status: string
): string {
  const what = kind === 'tuning' ? 'Tuning job' : 'Job';
  const time = new Date().toLocaleTimeString();
  return status === 'Stopping'
    ? `${what} ${name} is stopping (asked at ${time} from this page).`
    : `${what} ${name} is ${status} (asked at ${time} from this page).`;
}

/** Listen for clicks on widgets' Stop buttons under `root`; dispose to stop listening. */
export function installWidgetStop(
  root: HTMLElement,
  client: LabstudioClient
): IDisposable {
  const onClick = (event: MouseEvent) => {
    const target = event.target as Element | null;
    const button = target?.closest?.<HTMLButtonElement>(
      '[data-labstudio-stop]'
    );
    if (!button) {
      return;
    }
    event.preventDefault();
    event.stopPropagation();
    const kind = button.dataset.labstudioStop ?? '';
    const name = button.dataset.labstudioJob ?? '';
    const status =
      button.parentElement?.querySelector<HTMLElement>(
        '[data-labstudio-stop-status]'
      ) ?? null;
    if (!KINDS.includes(kind) || !name || button.disabled) {
      return;
    }
    button.disabled = true;
    button.setAttribute('data-state', 'stopping');
    if (status) {
      status.textContent = `Stopping ${name}…`;
    }
    stopByKind(client, kind as StopKind, name).then(
      now => {
        button.setAttribute('data-state', 'stopped');
        if (status) {
          status.textContent = stoppedText(kind as StopKind, name, now);
        }
      },
      error => {
        button.disabled = false;
        button.setAttribute('data-state', 'failed');
        if (status) {
          status.textContent = `Could not stop ${name}: ${asApiError(error).message}`;
        }
      }
    );
  };
  root.addEventListener('click', onClick, true);
  let disposed = false;
  return {
    get isDisposed() {
      return disposed;
    },
    dispose() {
      if (!disposed) {
        disposed = true;
        root.removeEventListener('click', onClick, true);
      }
    }
  };
}
