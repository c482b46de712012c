/**
 * One row shape for every job kind the jobs section lists (training, processing, batch
 * transform; tuning trials are training jobs a tuning job ran), so the list, its kind
 * filter and its durations treat them alike. Pure helpers: the models and tests use them.
 */
import {
  IJobSummary,
  IProcessingJobSummary,
  IRun,
  ITrainingJobSummary,
  ITransformJobSummary,
  isActiveStatus,
  JobKind
} from '../types';

export type { JobKind };

/** Every kind of job, as `GET /jobs?kind=` names them. */
export const JOB_KINDS: readonly JobKind[] = [
  'training',
  'processing',
  'transform'
];

/** What the jobs section's kind filter shows. */
export type JobKindFilter = 'all' | JobKind;

export const JOB_KIND_FILTERS: readonly {
  value: JobKindFilter;
  label: string;
}[] = [
  { value: 'all', label: 'All' },
  { value: 'training', label: 'Training' },
  { value: 'processing', label: 'Processing' },
  { value: 'transform', label: 'Transform' }
];

export interface IJobListRow {
  kind: JobKind;
  /** The tuning job that ran this training job as a trial, else null. */
  tuningJob: string | null;
  name: string;
  status: string;
  /** What the job does now (secondary status, status message, records done). */
  detail: string;
  failureReason: string | null;
  creationTime: string;
  startTime: string | null;
  endTime: string | null;
  lastModifiedTime: string;
  experiment: string | null;
  /** Records done and their total (transform jobs). */
  records: { done: number; total: number | null } | null;
}

/** The run sources that are jobs, by the kind of job (the REST collection it lives in). */
const RUN_SOURCE_KINDS: Readonly<Record<string, JobKind>> = {
  TrainingJob: 'training',
  ProcessingJob: 'processing',
  TransformJob: 'transform'
};

/** What a kind of job is called in sentences ("Processing job my-job"). */
export const JOB_KIND_NOUNS: Readonly<Record<JobKind, string>> = {
  training: 'Training job',
  processing: 'Processing job',
  transform: 'Transform job'
};

/**
 * The job a run belongs to, with its kind, or null for a run of a script. Each kind has its
 * own REST collection and detail view: a processing job's run must open the processing
 * view (the training-jobs API does not know it).
 */
export function jobOfRun(
  run: Pick<IRun, 'source_type' | 'source_name'>
): { kind: JobKind; name: string } | null {
  const kind = run.source_type ? RUN_SOURCE_KINDS[run.source_type] : undefined;
  return kind && run.source_name ? { kind, name: run.source_name } : null;
}

/** The label of a row's kind, as its chip shows it. */
export function kindLabel(row: IJobListRow): string {
  if (row.kind === 'training') {
    return row.tuningJob ? 'Tuning trial' : 'Training';
  }
  return row.kind === 'processing' ? 'Processing' : 'Transform';
}

/** A row of the list of every kind (`GET /jobs?kind=`), by its `Kind`. */
export function jobRow(job: IJobSummary): IJobListRow {
  switch (job.Kind) {
    case 'processing':
      return processingRow(job);
    case 'transform':
      return transformRow(job);
    default:
      return trainingRow(job);
  }
}

/** The job's name, whatever its kind. */
export function jobName(job: IJobSummary): string {
  switch (job.Kind) {
    case 'processing':
      return job.ProcessingJobName;
    case 'transform':
      return job.TransformJobName;
    default:
      return job.TrainingJobName;
  }
}

export function trainingRow(job: ITrainingJobSummary): IJobListRow {
  // The secondary status says more than the badge (Starting, Training, Uploading...);
  // when it only repeats it, show the status message instead.
  const secondary =
    job.SecondaryStatus && job.SecondaryStatus !== job.TrainingJobStatus
      ? job.SecondaryStatus
      : job.TrainingJobStatus === 'Failed'
        ? ''
        : job.StatusMessage || job.SecondaryStatus || '';
  return {
    kind: 'training',
    tuningJob: job.TuningJobName ?? null,
    name: job.TrainingJobName,
    status: job.TrainingJobStatus,
    detail: secondary,
    failureReason: job.FailureReason,
    creationTime: job.CreationTime,
    startTime: job.TrainingStartTime,
    endTime: job.TrainingEndTime,
    lastModifiedTime: job.LastModifiedTime,
    experiment: job.ExperimentName,
    records: null
  };
}

export function processingRow(job: IProcessingJobSummary): IJobListRow {
  return {
    kind: 'processing',
    tuningJob: null,
    name: job.ProcessingJobName,
    status: job.ProcessingJobStatus,
    detail: job.ProcessingJobStatus === 'Failed' ? '' : (job.ExitMessage ?? ''),
    failureReason: job.FailureReason,
    creationTime: job.CreationTime,
    startTime: null,
    endTime: job.ProcessingEndTime,
    lastModifiedTime: job.LastModifiedTime,
    experiment: job.ExperimentName ?? null,
    records: null
  };
}

export function transformRow(job: ITransformJobSummary): IJobListRow {
  return {
    kind: 'transform',
    tuningJob: null,
    name: job.TransformJobName,
    status: job.TransformJobStatus,
    detail: recordsText(job.RecordsProcessed, job.RecordsTotal),
    failureReason: job.FailureReason,
    creationTime: job.CreationTime,
    startTime: null,
    endTime: job.TransformEndTime,
    lastModifiedTime: job.LastModifiedTime,
    experiment: null,
    records: { done: job.RecordsProcessed, total: job.RecordsTotal }
  };
}

/** `120 / 1,000 records`, or `120 records` while the total is not counted yet. */
export function recordsText(done: number, total: number | null): string {
  const n = (v: number) => v.toLocaleString('en-US');
  return total === null || total === undefined
    ? `${n(done)} records`
    : `${n(done)} / ${n(total)} records`;
}

/** How long the job ran: start (or creation) to end, or to `now` while it runs. */
export function rowDuration(row: IJobListRow, now: number): number {
  const start = Date.parse(row.startTime ?? row.creationTime);
  const end = row.endTime
    ? Date.parse(row.endTime)
    : isActiveStatus(row.status)
      ? now
      : Date.parse(row.lastModifiedTime);
  return Math.max(0, end - start);
}
