/**
 * Pieces the processing and transform details share: a timeline built from the job's
 * times, and local paths that open in JupyterLab's file browser (or copy, when outside
 * the Jupyter root). The header is every detail's `DetailHeader`.
 */
import * as React from 'react';

import { copyText } from '../common/common';
import { formatDuration, formatTime } from '../format';
import { transitionDuration } from '../job/jobData';
import { localPath, rootRelative } from './paths';

/** Opens a path (relative to the Jupyter root) in the file browser. */
export type OpenPath = (path: string) => void;

export interface ITimeStep {
  status: string;
  start: string;
  end: string | null;
  message?: string;
}

/**
 * The steps a job went through, from its times: created, running, then its final
 * status (each step ends where the next begins; the last one of a running job is open).
 */
export function timeSteps(
  created: string,
  started: string | null | undefined,
  ended: string | null | undefined,
  status: string
): ITimeStep[] {
  const steps: ITimeStep[] = [
    { status: 'Created', start: created, end: started ?? ended ?? null }
  ];
  if (started) {
    steps.push({ status: 'Running', start: started, end: ended ?? null });
  }
  if (ended) {
    steps.push({ status, start: ended, end: ended });
  }
  return steps;
}

export function TimeTimeline(props: { steps: ITimeStep[] }): JSX.Element {
  const now = Date.now();
  return (
    <ol className="labstudio-timeline" data-testid="labstudio-timeline">
      {props.steps.map((t, i) => (
        <li
          key={i}
          className={`labstudio-timeline-step ${t.end ? '' : 'labstudio-current'}`}
        >
          <span className="labstudio-timeline-status">{t.status}</span>
          <span className="labstudio-hint">{formatTime(t.start)}</span>
          <span className="labstudio-num">
            {formatDuration(transitionDuration(t.start, t.end, now))}
          </span>
          <span className="labstudio-hint">{t.message ?? ''}</span>
        </li>
      ))}
    </ol>
  );
}

/**
 * A local path: "Open" shows it in the file browser when it lies under the Jupyter
 * root; "Copy path" always.
 */
export function PathLink(props: {
  uri: string;
  root: string | null;
  onOpen?: OpenPath;
  testId?: string;
}): JSX.Element {
  const path = localPath(props.uri);
  const relative = rootRelative(props.uri, props.root);
  const onOpen = props.onOpen;
  return (
    <span className="labstudio-path-link" data-testid={props.testId}>
      {relative !== null && onOpen ? (
        <a
          href="#"
          className="labstudio-link"
          data-testid="labstudio-open-path"
          data-path={relative}
          title={`Show ${relative || 'the Jupyter root'} in the file browser`}
          onClick={e => {
            e.preventDefault();
            onOpen(relative);
          }}
        >
          {relative || '/'}
        </a>
      ) : (
        <code className="labstudio-artifact-uri" title={path}>
          {path}
        </code>
      )}
      <button
        className="labstudio-button"
        title="Copy the path"
        onClick={() => void copyText(path)}
      >
        Copy path
      </button>
    </span>
  );
}

export function KeyValueTable(props: {
  values: Record<string, string>;
  testId?: string;
}): JSX.Element {
  const entries = Object.entries(props.values).filter(([, v]) => v !== '');
  return (
    <table className="labstudio-kv" data-testid={props.testId}>
      <tbody>
        {entries.map(([k, v]) => (
          <tr key={k}>
            <th>{k}</th>
            <td>{v}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
