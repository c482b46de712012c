/**
 * Jobs of every kind in the panel, against the real HTTP + WebSocket test server (the
 * jobs section's list of every kind is in model.spec.ts): the processing and transform
 * detail models (describe, live status, progress,
 * log route of their kind, Stop), *Batch transform…* (the request, field errors), and
 * what the views render from them.
 */
import { fireEvent, render, screen, within } from '@testing-library/react';
import * as React from 'react';

import { LabstudioClient } from '../api';
import {
  IProcessingJobDescription,
  ITrainingJobDescription,
  ITransformJobDescription
} from '../types';
import { JobsView } from '../views/JobsView';
import { JobDetailModel } from '../views/job/jobDetailModel';
import { JobDetailView } from '../views/job/JobDetailView';
import { recordsText } from '../views/jobKinds';
import { timeSteps } from '../views/kinds/parts';
import { rootRelative } from '../views/kinds/paths';
import { ProcessingJobModel } from '../views/kinds/processingModel';
import { ProcessingJobView } from '../views/kinds/ProcessingJobView';
import { TransformFormModel } from '../views/kinds/transformFormModel';
import { TransformJobView } from '../views/kinds/TransformJobView';
import { formatRate, TransformJobModel } from '../views/kinds/transformModel';
import { summary } from './fixtures';
import { requestsTo, serveApi, TestServer, until } from './server';
import { ServerHarness } from './harness';

const ROOT = '/home/me/work';

function processingJob(
  status: IProcessingJobDescription['ProcessingJobStatus']
): IProcessingJobDescription {
  return {
    ProcessingJobName: 'prep',
    ProcessingJobArn: 'arn:labstudio:local:processing-job/prep',
    ProcessingJobStatus: status,
    ProcessingInputs: [
      {
        InputName: 'raw',
        AppManaged: false,
        S3Input: {
          S3Uri: `file://${ROOT}/data/raw`,
          LocalPath: '/opt/ml/processing/input',
          S3DataType: 'S3Prefix',
          S3InputMode: 'File',
          S3DataDistributionType: 'FullyReplicated',
          S3CompressionType: 'None'
        }
      }
    ],
    ProcessingOutputConfig: {
      Outputs: [
        {
          OutputName: 'train',
          AppManaged: false,
          S3Output: {
            S3Uri: `${ROOT}/data/train`,
            LocalPath: '/opt/ml/processing/train',
            S3UploadMode: 'EndOfJob'
          }
        },
        {
          OutputName: 'elsewhere',
          AppManaged: false,
          S3Output: {
            S3Uri: '/var/labstudio/processing/prep/output/elsewhere',
            LocalPath: '/opt/ml/processing/elsewhere',
            S3UploadMode: 'EndOfJob'
          }
        }
      ]
    },
    ProcessingResources: {
      ClusterConfig: {
        InstanceCount: 1,
        InstanceType: 'local',
        VolumeSizeInGB: 0
      }
    },
    AppSpecification: {
      ImageUri: 'local',
      ContainerEntrypoint: ['python3', 'prep.py']
    },
    Environment: {},
    StoppingCondition: { MaxRuntimeInSeconds: 600 },
    CreationTime: '2024-05-01T10:00:00+00:00',
    ProcessingStartTime: '2024-05-01T10:00:01+00:00',
    ProcessingEndTime:
      status === 'InProgress' ? null : '2024-05-01T10:00:05+00:00',
    LastModifiedTime: '2024-05-01T10:00:05+00:00',
    Tags: [],
    Code: 'prep.py'
  } as IProcessingJobDescription;
}

function transformJob(
  status: ITransformJobDescription['TransformJobStatus'],
  done: number,
  total: number | null,
  rate: number | null = null
): ITransformJobDescription {
  return {
    TransformJobName: 'score',
    TransformJobArn: 'arn:labstudio:local:transform-job/score',
    TransformJobStatus: status,
    ModelName: 'train-1',
    MaxConcurrentTransforms: 1,
    MaxPayloadInMB: 6,
    BatchStrategy: 'MultiRecord',
    Environment: {},
    TransformInput: {
      DataSource: {
        S3DataSource: {
          S3DataType: 'S3Prefix',
          S3Uri: `file://${ROOT}/data/test`
        }
      },
      ContentType: 'text/csv',
      CompressionType: 'None',
      SplitType: 'Line'
    },
    TransformOutput: {
      S3OutputPath: `${ROOT}/scored`,
      Accept: 'text/csv',
      AssembleWith: 'Line'
    },
    TransformResources: { InstanceType: 'local', InstanceCount: 1 },
    DataProcessing: { InputFilter: '$', OutputFilter: '$', JoinSource: 'None' },
    CreationTime: '2024-05-01T10:00:00+00:00',
    TransformStartTime: '2024-05-01T10:00:01+00:00',
    TransformEndTime:
      status === 'InProgress' ? null : '2024-05-01T10:00:09+00:00',
    LastModifiedTime: '2024-05-01T10:00:09+00:00',
    RecordsProcessed: done,
    RecordsTotal: total,
    RecordsPerSecond: rate,
    OutputFiles: done ? [`${ROOT}/scored/test.csv.out`] : [],
    Tags: {}
  };
}

const harness = new ServerHarness();
let server: TestServer;
let client: LabstudioClient;

beforeEach(() => {
  ({ server, client } = harness);
});
const { connectEvents, track } = harness;

describe('ProcessingJobModel', () => {
  it('reads the job and its log from the processing routes, follows its status, and stops it', async () => {
    let status: IProcessingJobDescription['ProcessingJobStatus'] = 'InProgress';
    let log = 'reading input\n';
    serveApi(server, {
      'GET /processing-jobs/prep': () => processingJob(status),
      'GET /processing-jobs/prep/logs': req => {
        const offset = Number(
          new URL(req.url, 'http://x').searchParams.get('offset')
        );
        return {
          text: log.slice(offset),
          next_offset: log.length,
          complete: status !== 'InProgress'
        };
      },
      'POST /processing-jobs/prep/stop': () => {
        status = 'Stopping';
        return { status: 202, json: processingJob('Stopping') };
      }
    });
    const model = track(
      new ProcessingJobModel({
        client,
        events: connectEvents(),
        name: 'prep',
        reloadDelay: 20,
        logInterval: 30
      })
    );
    await model.start();
    expect(model.status).toBe('InProgress');
    expect(model.inputs).toEqual([
      {
        name: 'raw',
        local: `file://${ROOT}/data/raw`,
        container: '/opt/ml/processing/input'
      }
    ]);
    expect(model.outputs.map(o => o.name)).toEqual(['train', 'elsewhere']);
    await until(() => model.log.text === 'reading input\n', 5000, 'the log');
    log += 'writing output\n';
    await until(
      () => model.log.text.endsWith('writing output\n'),
      5000,
      'the next log lines'
    );
    expect(requestsTo(server, 'GET', '/jobs/prep/logs')).toEqual([]);

    await model.stop();
    expect(
      requestsTo(server, 'POST', '/processing-jobs/prep/stop')
    ).toHaveLength(1);
    expect(model.status).toBe('Stopping');

    await until(() => !!harness.events?.connected, 5000, 'the events socket');
    status = 'Stopped';
    server.broadcast({
      id: 1,
      time: 0,
      kind: 'job.status',
      payload: {
        name: 'prep',
        status: 'Stopped',
        secondary_status: 'Stopped',
        message: ''
      }
    });
    await until(() => model.status === 'Stopped', 5000, 'the stopped status');
    expect(model.active).toBe(false);
  });

  it('keeps the error of a job that does not exist', async () => {
    serveApi(server, {
      'GET /processing-jobs/nope': () => ({
        status: 404,
        json: { message: "Processing job 'nope' not found" }
      })
    });
    const model = track(new ProcessingJobModel({ client, name: 'nope' }));
    await model.start();
    expect(model.error?.message).toBe("Processing job 'nope' not found");
  });
});

describe('TransformJobModel', () => {
  it('reads records done while it runs, then stops reading', async () => {
    let done = 0;
    serveApi(server, {
      'GET /transform-jobs/score': () => {
        done = Math.min(done + 50, 100);
        return transformJob(
          done < 100 ? 'InProgress' : 'Completed',
          done,
          100,
          done * 2
        );
      },
      'GET /transform-jobs/score/logs': req => {
        const offset = Number(
          new URL(req.url, 'http://x').searchParams.get('offset')
        );
        return {
          text: 'scored\n'.slice(offset),
          next_offset: 7,
          complete: true
        };
      }
    });
    const model = track(
      new TransformJobModel({ client, name: 'score', progressInterval: 30 })
    );
    await model.start();
    expect(model.progress).toEqual({
      done: 50,
      total: 100,
      fraction: 0.5,
      rate: 100
    });
    await until(() => model.status === 'Completed', 5000, 'completion');
    expect(model.progress?.fraction).toBe(1);
    const reads = requestsTo(server, 'GET', '/transform-jobs/score').length;
    await new Promise(resolve => setTimeout(resolve, 150));
    expect(requestsTo(server, 'GET', '/transform-jobs/score').length).toBe(
      reads
    );
    await until(() => model.log.text === 'scored\n', 5000, 'the log');
    expect(requestsTo(server, 'GET', '/jobs/score/logs')).toEqual([]);
  });

  it('stops through the transform route', async () => {
    serveApi(server, {
      'GET /transform-jobs/score': () => transformJob('InProgress', 1, 9),
      'GET /transform-jobs/score/logs': () => ({
        text: '',
        next_offset: 0,
        complete: false
      }),
      'POST /transform-jobs/score/stop': () => ({
        status: 409,
        json: { message: "Transform job 'score' is already Completed" }
      })
    });
    const model = track(
      new TransformJobModel({ client, name: 'score', progressInterval: 0 })
    );
    await model.start();
    await model.stop();
    expect(
      requestsTo(server, 'POST', '/transform-jobs/score/stop')
    ).toHaveLength(1);
    expect(model.actionError).toBe(
      "Transform job 'score' is already Completed"
    );
  });
});

describe('TransformFormModel', () => {
  it('POSTs the job as the model with the fields typed', async () => {
    serveApi(server, {
      'POST /transform-jobs': () => ({
        status: 201,
        json: transformJob('InProgress', 0, null)
      })
    });
    const model = track(new TransformFormModel({ client, job: 'train-1' }));
    model.set('input', ' data/test ');
    model.set('output_path', 'scored');
    model.set('strategy', 'SingleRecord');
    expect(await model.submit()).toBe('score');
    const [post] = requestsTo(server, 'POST', '/transform-jobs');
    expect(JSON.parse(post.body)).toEqual({
      model: 'train-1',
      input: 'data/test',
      output_path: 'scored',
      content_type: 'text/csv',
      split_type: 'Line',
      strategy: 'SingleRecord'
    });
  });

  it('puts a refusal beside the field the server names, others above the form', async () => {
    let field = 'input';
    serveApi(server, {
      'POST /transform-jobs': () => ({
        status: 400,
        json: { message: `bad ${field}`, field }
      })
    });
    const model = track(new TransformFormModel({ client, job: 'train-1' }));
    expect(await model.submit()).toBeNull();
    expect(model.errors).toEqual({ input: ['Bad input'] });
    // Typing in the field clears its error.
    model.set('input', 'data');
    expect(model.errors).toEqual({});
    field = 'model';
    await model.submit();
    expect(model.errors).toEqual({ form: ['Bad model'] });
  });
});

describe('the views', () => {
  it('shows each row’s kind and the kind filter', () => {
    const onKindChange = jest.fn();
    const onSelectRow = jest.fn();
    const rows = [
      summary('trial-1', 'Completed', { TuningJobName: 'sweep' })
    ].map(j => ({
      kind: 'training' as const,
      tuningJob: j.TuningJobName ?? null,
      name: j.TrainingJobName,
      status: j.TrainingJobStatus,
      detail: '',
      failureReason: null,
      creationTime: j.CreationTime,
      startTime: j.TrainingStartTime,
      endTime: j.TrainingEndTime,
      lastModifiedTime: j.LastModifiedTime,
      experiment: null,
      records: null
    }));
    rows.push({
      ...rows[0],
      kind: 'transform' as 'training',
      tuningJob: null,
      name: 'score-1',
      detail: recordsText(1200, 5000)
    });
    render(
      <JobsView
        rows={rows}
        kind="all"
        onKindChange={onKindChange}
        filter=""
        onFilterChange={() => undefined}
        onSelectRow={onSelectRow}
      />
    );
    const list = screen.getByTestId('labstudio-job-list');
    const kinds = within(list)
      .getAllByTestId('labstudio-job-kind')
      .map(k => k.textContent);
    expect(kinds).toEqual(['Tuning trial', 'Transform']);
    expect(screen.getByText('1,200 / 5,000 records')).toBeTruthy();
    const kindFilter = screen.getByTestId<HTMLSelectElement>(
      'labstudio-kind-filter'
    );
    expect(kindFilter.value).toBe('all');
    fireEvent.change(kindFilter, { target: { value: 'processing' } });
    expect(onKindChange).toHaveBeenCalledWith('processing');
    fireEvent.click(within(list).getAllByTestId('labstudio-job-row')[1]);
    expect(onSelectRow.mock.calls[0][0]).toMatchObject({
      kind: 'transform',
      name: 'score-1'
    });
  });

  it('links a processing job’s folders under the Jupyter root into the file browser', async () => {
    serveApi(server, {
      'GET /processing-jobs/prep': () => processingJob('Completed'),
      'GET /processing-jobs/prep/logs': () => ({
        text: 'done\n',
        next_offset: 5,
        complete: true
      })
    });
    const model = track(new ProcessingJobModel({ client, name: 'prep' }));
    await model.start();
    const onOpenPath = jest.fn();
    render(
      <ProcessingJobView model={model} root={ROOT} onOpenPath={onOpenPath} />
    );
    const inputs = screen.getByTestId('labstudio-processing-inputs');
    fireEvent.click(within(inputs).getByTestId('labstudio-open-path'));
    expect(onOpenPath).toHaveBeenCalledWith('data/raw');
    const outputs = screen.getByTestId('labstudio-processing-outputs');
    const links = within(outputs).getAllByTestId('labstudio-open-path');
    // The output outside the root has no link, only its path to copy.
    expect(links.map(l => l.getAttribute('data-path'))).toEqual(['data/train']);
    expect(
      within(outputs).getByText(
        '/var/labstudio/processing/prep/output/elsewhere'
      )
    ).toBeTruthy();
    expect(screen.queryByTestId('labstudio-job-stop')).toBeNull();
  });

  it('shows a transform job’s records done of the total, its progress bar and throughput', async () => {
    serveApi(server, {
      'GET /transform-jobs/score': () =>
        transformJob('InProgress', 250, 1000, 125),
      'GET /transform-jobs/score/logs': () => ({
        text: '',
        next_offset: 0,
        complete: false
      })
    });
    const model = track(
      new TransformJobModel({ client, name: 'score', progressInterval: 0 })
    );
    await model.start();
    render(
      <TransformJobView model={model} root={ROOT} onOpenPath={jest.fn()} />
    );
    expect(screen.getByTestId('labstudio-transform-records').textContent).toBe(
      '250 / 1,000 records (25%)'
    );
    expect(screen.getByTestId('labstudio-transform-rate').textContent).toBe(
      '125 records/s'
    );
    const bar = screen
      .getByTestId('labstudio-transform-progress')
      .querySelector<HTMLElement>('.labstudio-progress-bar');
    expect(bar?.style.width).toBe('25%');
    expect(screen.getByTestId('labstudio-job-stop')).toBeTruthy();
  });

  it('offers Batch transform… on a completed training job and opens the new transform', async () => {
    serveApi(server, {
      'GET /jobs/train-1': () =>
        ({
          TrainingJobName: 'train-1',
          TrainingJobStatus: 'Completed',
          SecondaryStatus: 'Completed',
          SecondaryStatusTransitions: [],
          HyperParameters: {},
          InputDataConfig: [],
          FinalMetricDataList: [],
          CreationTime: '2024-05-01T10:00:00+00:00',
          LastModifiedTime: '2024-05-01T10:00:00+00:00',
          Environment: {},
          Tags: [],
          MetricDefinitions: [],
          EntryPoint: 'train.py'
        }) as unknown as ITrainingJobDescription,
      'GET /jobs/train-1/metrics': () => ({ metrics: [], NextToken: null }),
      'GET /jobs/train-1/logs': () => ({
        text: '',
        next_offset: 0,
        complete: true
      }),
      'POST /transform-jobs': req => {
        const body = JSON.parse(req.body);
        return body.input === 'missing'
          ? {
              status: 400,
              json: { message: 'input: missing does not exist', field: 'input' }
            }
          : { status: 201, json: transformJob('InProgress', 0, null) };
      }
    });
    const model = track(new JobDetailModel({ client, name: 'train-1' }));
    await model.start();
    const onOpenTransform = jest.fn();
    render(<JobDetailView model={model} onOpenTransform={onOpenTransform} />);
    fireEvent.click(await screen.findByTestId('labstudio-job-batch-transform'));
    fireEvent.change(screen.getByTestId('labstudio-transform-input'), {
      target: { value: 'missing' }
    });
    fireEvent.click(screen.getByTestId('labstudio-transform-submit'));
    expect(
      (await screen.findByTestId('labstudio-field-error-input')).textContent
    ).toBe('Input: missing does not exist');
    fireEvent.change(screen.getByTestId('labstudio-transform-input'), {
      target: { value: 'data/test' }
    });
    fireEvent.click(screen.getByTestId('labstudio-transform-submit'));
    await until(() => onOpenTransform.mock.calls.length > 0, 5000, 'the open');
    expect(onOpenTransform).toHaveBeenCalledWith('score');
    expect(model.transformForm).toBeNull();
  });
});

describe('pure helpers', () => {
  it('makes local paths relative to the Jupyter root, or null outside it', () => {
    expect(rootRelative(`file://${ROOT}/data/raw`, ROOT)).toBe('data/raw');
    expect(rootRelative(`${ROOT}/scored/`, `${ROOT}/`)).toBe('scored');
    expect(rootRelative(ROOT, ROOT)).toBe('');
    expect(rootRelative('/home/me/workshop/x', ROOT)).toBeNull();
    expect(rootRelative('/tmp/x', ROOT)).toBeNull();
    expect(rootRelative('/tmp/x', null)).toBeNull();
    expect(rootRelative('data/raw', null)).toBe('data/raw');
    expect(rootRelative('file:///srv/a%20b', '/srv')).toBe('a b');
  });

  it('formats records and throughput', () => {
    expect(recordsText(3, null)).toBe('3 records');
    expect(recordsText(1500, 2000)).toBe('1,500 / 2,000 records');
    expect(formatRate(null)).toBe('–');
    expect(formatRate(1234.5)).toBe('1,235 records/s');
    expect(formatRate(12.34)).toBe('12.3 records/s');
    expect(formatRate(0.4567)).toBe('0.46 records/s');
  });

  it('builds a timeline from a job’s times', () => {
    expect(timeSteps('t0', null, null, 'InProgress')).toEqual([
      { status: 'Created', start: 't0', end: null }
    ]);
    expect(timeSteps('t0', 't1', 't2', 'Completed')).toEqual([
      { status: 'Created', start: 't0', end: 't1' },
      { status: 'Running', start: 't1', end: 't2' },
      { status: 'Completed', start: 't2', end: 't2' }
    ]);
  });
});
