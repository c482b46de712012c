/**
 * Batch transform job detail (main area): status and its timeline, Stop, records done
 * of the total with a progress bar and the throughput, the input and output locations
 * (links into the file browser), the output files so far, and the live log.
 */
import * as React from 'react';

import { ErrorBox } from '../common/common';
import { useModel } from '../common/useModel';
import { formatTime } from '../format';
import { recordsText } from '../jobKinds';
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
import { formatRate, TransformJobModel } from './transformModel';

export interface ITransformJobViewProps {
  model: TransformJobModel;
  /** The Jupyter root (absolute), to link local paths under it. */
  root: string | null;
  onOpenPath?: OpenPath;
  /** Open the lineage graph around this job. */
  onOpenLineage?: (name: string) => void;
}

export function TransformJobView(props: ITransformJobViewProps): JSX.Element {
  const model = useModel(props.model);
  const { name, job, error, progress } = model;
  if (error) {
    return (
      <div className="labstudio-main">
        <ErrorBox error={error} onRetry={() => void model.reload()} />
      </div>
    );
  }
  if (!job || !progress) {
    return (
      <div className="labstudio-main labstudio-empty">Loading {name}…</div>
    );
  }
  const percent =
    progress.fraction === null ? null : Math.round(progress.fraction * 100);
  return (
    <div
      className="labstudio-main labstudio-job-detail"
      data-testid="labstudio-transform-detail"
      data-job-name={name}
      data-status={job.TransformJobStatus}
    >
      <DetailHeader
        name={name}
        status={job.TransformJobStatus}
        failureReason={job.FailureReason}
        stop={{
          active: model.active,
          busy: model.busy,
          onStop: () => void model.stop()
        }}
        actionError={model.actionError}
      >
        <span className="labstudio-hint">
          Batch transform of {job.ModelName}
        </span>
        {props.onOpenLineage && (
          <LineageButton onOpen={() => props.onOpenLineage!(name)} />
        )}
      </DetailHeader>

      <div className="labstudio-transform-progress">
        <div
          className="labstudio-progress"
          role="progressbar"
          aria-label="Records done"
          aria-valuemin={0}
          aria-valuemax={progress.total ?? undefined}
          aria-valuenow={progress.done}
          data-testid="labstudio-transform-progress"
        >
          <div
            className="labstudio-progress-bar"
            style={{ width: `${percent ?? 0}%` }}
          />
        </div>
        <span
          className="labstudio-num"
          data-testid="labstudio-transform-records"
          data-done={progress.done}
          data-total={progress.total ?? ''}
        >
          {recordsText(progress.done, progress.total)}
          {percent !== null ? ` (${percent}%)` : ''}
        </span>
        <span
          className="labstudio-hint"
          data-testid="labstudio-transform-rate"
          title="Records done per second of running"
        >
          {formatRate(progress.rate)}
        </span>
      </div>

      <h3 className="labstudio-subtitle">Timeline</h3>
      <TimeTimeline
        steps={timeSteps(
          job.CreationTime,
          job.TransformStartTime,
          job.TransformEndTime,
          job.TransformJobStatus
        )}
      />

      <h3 className="labstudio-subtitle">Data</h3>
      <table className="labstudio-kv" data-testid="labstudio-transform-paths">
        <tbody>
          <tr>
            <th>Input</th>
            <td>
              <PathLink
                uri={job.TransformInput.DataSource.S3DataSource.S3Uri}
                root={props.root}
                onOpen={props.onOpenPath}
                testId="labstudio-transform-input"
              />
            </td>
          </tr>
          <tr>
            <th>Output</th>
            <td>
              <PathLink
                uri={job.TransformOutput.S3OutputPath}
                root={props.root}
                onOpen={props.onOpenPath}
                testId="labstudio-transform-output"
              />
            </td>
          </tr>
        </tbody>
      </table>
      {job.OutputFiles.length > 0 && (
        <>
          <h3 className="labstudio-subtitle">Output files</h3>
          {job.TransformJobStatus !== 'Completed' && (
            <p
              className="labstudio-hint"
              data-testid="labstudio-transform-files-pending"
            >
              {job.TransformJobStatus === 'InProgress' ||
              job.TransformJobStatus === 'Stopping'
                ? 'Each file is written when the job has scored its input: links appear once the job completes.'
                : 'The job did not complete: some of these files may not have been written.'}
            </p>
          )}
          <ul
            className="labstudio-artifacts"
            data-testid="labstudio-transform-files"
            data-written={
              job.TransformJobStatus === 'Completed' ? 'true' : 'false'
            }
          >
            {job.OutputFiles.map(f => (
              <li key={f}>
                {job.TransformJobStatus === 'Completed' ? (
                  <PathLink
                    uri={f}
                    root={props.root}
                    onOpen={props.onOpenPath}
                  />
                ) : (
                  <code className="labstudio-artifact-uri">{f}</code>
                )}
              </li>
            ))}
          </ul>
        </>
      )}

      <h3 className="labstudio-subtitle">Log</h3>
      <LogTail model={model.log} />

      <h3 className="labstudio-subtitle">Spec</h3>
      <KeyValueTable
        values={{
          Model: job.ModelName,
          'Content type': job.TransformInput.ContentType ?? '',
          'Split type': job.TransformInput.SplitType,
          Compression: job.TransformInput.CompressionType,
          Strategy: job.BatchStrategy,
          Accept: job.TransformOutput.Accept ?? '',
          'Assemble with': job.TransformOutput.AssembleWith,
          'Max payload': `${job.MaxPayloadInMB} MB`,
          'Concurrent transforms': String(job.MaxConcurrentTransforms),
          'Input filter': job.DataProcessing.InputFilter,
          'Join source': job.DataProcessing.JoinSource,
          'Output filter': job.DataProcessing.OutputFilter,
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
