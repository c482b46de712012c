/**
 * The header every detail view shares (training, processing and transform jobs, tuning
 * jobs, endpoints): the name, the status, a hint beside it, Stop while the thing runs,
 * the view's own actions, the forms those actions open, and then why the last action
 * failed and why the thing itself failed. Pure view: the state is the model's.
 */
import * as React from 'react';

import { StatusBadge } from '../StatusBadge';
import { StatusDot } from './common';

export interface IDetailHeaderProps {
  name: string;
  status: string;
  /** `badge` (jobs) or `dot` with the status word (endpoints). */
  indicator?: 'badge' | 'dot';
  /** Why the thing failed (the badge's title and an alert under the header). */
  failureReason?: string | null;
  /** Beside the status: a secondary status, progress, the kind. */
  hint?: React.ReactNode;
  /** Stop, shown while `active`. */
  stop?: {
    active: boolean;
    busy: boolean;
    onStop: () => void;
    testId?: string;
  };
  /** Why the last action (Stop, Deploy, Delete...) failed. */
  actionError?: string | null;
  /** What an action opened under the header (a deploy form...). */
  forms?: React.ReactNode;
  /** The view's own actions, after Stop. */
  children?: React.ReactNode;
}

export function DetailHeader(props: IDetailHeaderProps): JSX.Element {
  const { name, status, failureReason, stop } = props;
  return (
    <>
      <div className="labstudio-detail-header">
        <h2 className="labstudio-detail-title">{name}</h2>
        {props.indicator === 'dot' ? (
          <>
            <StatusDot status={status} />
            <span data-testid="labstudio-detail-status">{status}</span>
          </>
        ) : (
          <StatusBadge status={status} title={failureReason ?? undefined} />
        )}
        {props.hint}
        <span className="labstudio-spacer" />
        {stop?.active && (
          <button
            className="labstudio-button labstudio-danger"
            data-testid={stop.testId ?? 'labstudio-job-stop'}
            disabled={stop.busy || status === 'Stopping'}
            onClick={stop.onStop}
          >
            Stop
          </button>
        )}
        {props.children}
      </div>
      {props.forms}
      {props.actionError && (
        <div
          className="labstudio-error-message"
          role="alert"
          data-testid="labstudio-action-error"
        >
          {props.actionError}
        </div>
      )}
      {failureReason && (
        <div
          className="labstudio-error-message"
          role="alert"
          data-testid="labstudio-failure-reason"
        >
          {failureReason}
        </div>
      )}
    </>
  );
}
