import * as React from 'react';

/** Human labels for the SageMaker statuses. */
const LABELS: Record<string, string> = {
  InProgress: 'In progress',
  Completed: 'Completed',
  Failed: 'Failed',
  Stopping: 'Stopping',
  Stopped: 'Stopped',
  PendingManualApproval: 'Pending'
};

export interface IStatusBadgeProps {
  status: string;
  title?: string;
  /** Only the dot (the word stays for screen readers and in the tooltip). */
  compact?: boolean;
}

/** A coloured pill with an icon-like dot; the colour comes from the theme. */
export function StatusBadge(props: IStatusBadgeProps): JSX.Element {
  const { status, title } = props;
  const slug = status.toLowerCase().replace(/[^a-z]/g, '');
  return (
    <span
      className={`labstudio-status-badge labstudio-status-${slug} ${props.compact ? 'labstudio-compact' : ''}`}
      data-testid="labstudio-status-badge"
      data-status={status}
      title={title || LABELS[status] || status}
    >
      <span className="labstudio-status-dot" aria-hidden="true" />
      {props.compact ? (
        <span className="labstudio-sr-only">{LABELS[status] ?? status}</span>
      ) : (
        (LABELS[status] ?? status)
      )}
    </span>
  );
}
