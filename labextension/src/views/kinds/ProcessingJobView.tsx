/**
 * Processing job detail (main area): status and its timeline, Stop, the live log, and
 * the job's inputs and outputs, each local folder a link into the file browser.
 */
import * as React from 'react';

import { ErrorBox } from '../common/common';
import { useModel } from '../common/useModel';
import { formatTime } from '../format';
import { LogTail } from '../job/LogTail';
import { DetailHeader } from '../common/DetailHeader';
import { LineageButton } from '../lineage/LineageButton';
import {
  KeyValueTable,
  OpenPath,
  PathLink,
  TimeTimeline,
  timeSteps
} from './parts';
import { IProcessingChannel, ProcessingJobModel } from './processingModel';

export interface IProcessingJobViewProps {
  model: ProcessingJobModel;
  /** The Jupyter root (absolute), to link local paths under it. */
  root: string | null;
  onOpenPath?: OpenPath;
  /** Open the lineage graph around this job. */
  onOpenLineage?: (name: string) => void;
}

export function ProcessingJobView(props: IProcessingJobViewProps): JSX.Element {
  const model = useModel(props.model);
  const { name, job, error } = model;
  if (error) {
    return (
      <div className="labstudio-main">
        <ErrorBox error={error} onRetry={() => void model.reload()} />
      </div>
    );
  }
  if (!job) {
    return (
      <div className="labstudio-main labstudio-empty">Loading {name}…</div>
    );
  }
  const app = job.AppSpecification;
  const command = [
    ...(app.ContainerEntrypoint ?? []),
    ...(app.ContainerArguments ?? [])
  ].join(' ');
  return (
    <div
      className="labstudio-main labstudio-job-detail"
      data-testid="labstudio-processing-detail"
      data-job-name={name}
      data-status={job.ProcessingJobStatus}
    >
      <DetailHeader
        name={name}
        status={job.ProcessingJobStatus}
        failureReason={job.FailureReason}
        stop={{
          active: model.active,
          busy: model.busy,
          onStop: () => void model.stop()
        }}
        actionError={model.actionError}
      >
        <span className="labstudio-hint">Processing job</span>
        {props.onOpenLineage && (
          <LineageButton onOpen={() => props.onOpenLineage!(name)} />
        )}
      </DetailHeader>
      {job.ExitMessage && (
        <div className="labstudio-hint" data-testid="labstudio-exit-message">
          {job.ExitMessage}
        </div>
      )}

      <h3 className="labstudio-subtitle">Timeline</h3>
      <TimeTimeline
        steps={timeSteps(
          job.CreationTime,
          job.ProcessingStartTime,
          job.ProcessingEndTime,
          job.ProcessingJobStatus
        )}
      />

      <h3 className="labstudio-subtitle">Inputs</h3>
      <Channels
        channels={model.inputs}
        root={props.root}
        onOpenPath={props.onOpenPath}
        testId="labstudio-processing-inputs"
        empty="No inputs."
      />
      <h3 className="labstudio-subtitle">Outputs</h3>
      <Channels
        channels={model.outputs}
        root={props.root}
        onOpenPath={props.onOpenPath}
        testId="labstudio-processing-outputs"
        empty="No outputs."
      />

      <h3 className="labstudio-subtitle">Log</h3>
      <LogTail model={model.log} />

      <h3 className="labstudio-subtitle">Spec</h3>
      <KeyValueTable
        values={{
          Script: job.Code ?? '',
          'Source dir': job.SourceDir ?? '',
          Command: command,
          Experiment: job.ExperimentName ?? '',
          'Max runtime': job.StoppingCondition?.MaxRuntimeInSeconds
            ? `${job.StoppingCondition.MaxRuntimeInSeconds} s`
            : 'none',
          Created: formatTime(job.CreationTime),
          'Exit code':
            job.ExitCode === null || job.ExitCode === undefined
              ? ''
              : String(job.ExitCode)
        }}
      />
    </div>
  );
}

function Channels(props: {
  channels: IProcessingChannel[];
  root: string | null;
  onOpenPath?: OpenPath;
  testId: string;
  empty: string;
}): JSX.Element {
  if (props.channels.length === 0) {
    return <div className="labstudio-hint">{props.empty}</div>;
  }
  return (
    <table className="labstudio-kv" data-testid={props.testId}>
      <tbody>
        {props.channels.map(c => (
          <tr key={c.name} data-channel={c.name}>
            <th>{c.name}</th>
            <td>
              <PathLink
                uri={c.local}
                root={props.root}
                onOpen={props.onOpenPath}
              />
            </td>
            <td>
              <code className="labstudio-hint" title="Where the job sees it">
                {c.container}
              </code>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
