/**
 * The state behind a processing job's detail: DescribeProcessingJob kept live, its log
 * (`/processing-jobs/{name}/logs`), Stop, and its inputs and outputs as rows the view
 * links into the file browser.
 */
import {
  IJobStatusPayload,
  ILogChunk,
  IProcessingJobDescription
} from '../../types';
import { KindJobModel } from './kindJobModel';

/** One input or output of a processing job: where it is locally, where the job sees it. */
export interface IProcessingChannel {
  name: string;
  /** The local folder or file (the input's source, the output's destination). */
  local: string;
  /** Where the job sees it (under /opt/ml/processing/). */
  container: string;
}

export class ProcessingJobModel extends KindJobModel<IProcessingJobDescription> {
  /** The inputs, in order. */
  get inputs(): IProcessingChannel[] {
    return processingInputs(this.job);
  }
  /** The outputs, in order. */
  get outputs(): IProcessingChannel[] {
    return processingOutputs(this.job);
  }

  protected describe(): Promise<IProcessingJobDescription> {
    return this.client.getProcessingJob(this.name);
  }
  protected stopJob(): Promise<IProcessingJobDescription> {
    return this.client.stopProcessingJob(this.name);
  }
  protected readLog(offset: number): Promise<ILogChunk> {
    return this.client.getProcessingLogs(this.name, offset);
  }
  protected statusOf(job: IProcessingJobDescription): string {
    return job.ProcessingJobStatus;
  }
  protected withStatus(
    job: IProcessingJobDescription,
    payload: IJobStatusPayload
  ): IProcessingJobDescription {
    return { ...job, ProcessingJobStatus: payload.status };
  }
}

export function processingInputs(
  job: IProcessingJobDescription | null
): IProcessingChannel[] {
  return (job?.ProcessingInputs ?? []).map(i => ({
    name: i.InputName,
    local: i.S3Input.S3Uri,
    container: i.S3Input.LocalPath
  }));
}

export function processingOutputs(
  job: IProcessingJobDescription | null
): IProcessingChannel[] {
  return (job?.ProcessingOutputConfig?.Outputs ?? []).map(o => ({
    name: o.OutputName,
    local: o.S3Output.S3Uri,
    container: o.S3Output.LocalPath
  }));
}
