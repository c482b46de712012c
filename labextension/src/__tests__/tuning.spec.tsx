/**
 * Hyperparameter tuning in the panel: the pure helpers (objective chart points, best so
 * far, sort, parallel axes, the launch form's tuning request), the models of the Tuning
 * section and of the tuning view against the real HTTP + WebSocket test server (what
 * they read, how events move them, what Stop / Deploy best / launch send), and what the
 * section and the view render.
 */
import { fireEvent, render, waitFor, within } from '@testing-library/react';
import { Widget } from '@lumino/widgets';
import * as React from 'react';

import { LabstudioClient } from '../api';
import { JobsModel, StudioPanel } from '../panel';
import { TuningJobsModel } from '../panel/tuningJobsModel';
import {
  ITuningJobDescription,
  ITuningJobSummary,
  ITuningTrialSummary
} from '../types';
import {
  emptyForm,
  fieldOf,
  suggestRange,
  toTuningRequest
} from '../views/launch/formModel';
import { LaunchFormModel } from '../views/launch/launchFormModel';
import {
  objectivePoints,
  parallelAxes,
  progressOf,
  sortTrials,
  trialNumber,
  tunedNames
} from '../views/tuning/tuningData';
import { TuningModel } from '../views/tuning/tuningModel';
import { TuningView } from '../views/tuning/TuningView';
import {
  ITestResponse,
  requestsTo,
  serveApi,
  TestServer,
  until
} from './server';
import { ServerHarness } from './harness';

// -- fixtures -------------------------------------------------------------------------

function trial(
  n: number,
  status: ITuningTrialSummary['TrainingJobStatus'],
  objective: number | 'NaN' | null,
  hps: Record<string, string>,
  overrides: Partial<ITuningTrialSummary> = {}
): ITuningTrialSummary {
  const minute = String(n).padStart(2, '0');
  return {
    TrainingJobName: `sweep-${String(n).padStart(3, '0')}-0000000${n}`,
    TrainingJobStatus: status,
    CreationTime: `2024-05-01T10:${minute}:00+00:00`,
    TrainingStartTime: `2024-05-01T10:${minute}:01+00:00`,
    TrainingEndTime:
      status === 'InProgress' ? null : `2024-05-01T10:${minute}:30+00:00`,
    TunedHyperParameters: hps,
    FinalHyperParameterTuningJobObjectiveMetric:
      objective === null
        ? null
        : { MetricName: 'loss', Value: objective, Type: 'Minimize' },
    ObjectiveStatus:
      objective === null
        ? status === 'InProgress'
          ? 'Pending'
          : 'Failed'
        : 'Succeeded',
    FailureReason: status === 'Failed' ? 'exit 1' : null,
    EarlyStopped: false,
    RunId: null,
    ...overrides
  };
}

function described(
  status: ITuningJobDescription['HyperParameterTuningJobStatus'],
  overrides: Partial<ITuningJobDescription> = {}
): ITuningJobDescription {
  return {
    HyperParameterTuningJobName: 'sweep',
    HyperParameterTuningJobStatus: status,
    HyperParameterTuningJobConfig: {
      Strategy: 'Bayesian',
      HyperParameterTuningJobObjective: {
        Type: 'Minimize',
        MetricName: 'loss'
      },
      ResourceLimits: {
        MaxNumberOfTrainingJobs: 4,
        MaxParallelTrainingJobs: 2
      },
      ParameterRanges: {
        IntegerParameterRanges: [
          { Name: 'depth', MinValue: '2', MaxValue: '8', ScalingType: 'Auto' }
        ],
        ContinuousParameterRanges: [
          {
            Name: 'lr',
            MinValue: '0.001',
            MaxValue: '0.1',
            ScalingType: 'Logarithmic'
          }
        ],
        CategoricalParameterRanges: [{ Name: 'opt', Values: ['adam', 'sgd'] }]
      },
      TrainingJobEarlyStoppingType: 'Auto'
    },
    TrainingJobDefinition: {},
    CreationTime: '2024-05-01T10:00:00+00:00',
    LastModifiedTime: '2024-05-01T10:00:00+00:00',
    TrainingJobStatusCounters: {
      Completed: 2,
      InProgress: 1,
      RetryableError: 0,
      NonRetryableError: 1,
      Stopped: 0
    },
    ObjectiveStatusCounters: { Succeeded: 2, Pending: 1, Failed: 1 },
    BestTrainingJob: null,
    ...overrides
  } as unknown as ITuningJobDescription;
}

function listRow(
  name: string,
  status: ITuningJobSummary['HyperParameterTuningJobStatus'],
  overrides: Partial<ITuningJobSummary> = {}
): ITuningJobSummary {
  return {
    HyperParameterTuningJobName: name,
    HyperParameterTuningJobStatus: status,
    Strategy: 'Bayesian',
    CreationTime: '2024-05-01T10:00:00+00:00',
    LastModifiedTime: '2024-05-01T10:00:00+00:00',
    TrainingJobStatusCounters: {
      Completed: 1,
      InProgress: 1,
      RetryableError: 0,
      NonRetryableError: 0,
      Stopped: 0
    },
    ObjectiveStatusCounters: { Succeeded: 1, Pending: 1, Failed: 0 },
    ResourceLimits: { MaxNumberOfTrainingJobs: 4, MaxParallelTrainingJobs: 2 },
    BestObjectiveValue: 0.5,
    ...overrides
  };
}

const TRIALS = [
  trial(
    1,
    'Completed',
    0.5,
    { depth: '4', lr: '0.01', opt: 'adam' },
    { RunId: 'run-1' }
  ),
  trial(2, 'Completed', 0.7, { depth: '2', lr: '0.05', opt: 'sgd' }),
  trial(
    3,
    'Stopped',
    0.9,
    { depth: '8', lr: '0.002', opt: 'sgd' },
    { EarlyStopped: true }
  ),
  trial(4, 'Completed', 0.3, { depth: '6', lr: '0.02', opt: 'adam' }),
  trial(5, 'Failed', null, { depth: '3', lr: '0.03', opt: 'adam' }),
  trial(6, 'InProgress', null, { depth: '5', lr: '0.04', opt: 'sgd' })
];

// -- pure helpers -----------------------------------------------------------------------

describe('tuning helpers', () => {
  it('chart the trials that have an objective, with the best so far as a step', () => {
    const byTime = objectivePoints(
      TRIALS,
      'Minimize',
      'time',
      '2024-05-01T10:00:00+00:00'
    );
    expect(byTime.x).toEqual([90, 150, 210, 270]);
    expect(byTime.y).toEqual([0.5, 0.7, 0.9, 0.3]);
    expect(byTime.best).toEqual([0.5, 0.5, 0.5, 0.3]);
    expect(byTime.earlyStopped).toEqual([false, false, true, false]);
    expect(byTime.names[3]).toBe('sweep-004-00000004');

    const maximize = objectivePoints(TRIALS, 'Maximize', 'index', null);
    expect(maximize.x).toEqual([1, 2, 3, 4]);
    // the early-stopped trial's 0.9 is drawn, but it cannot be the best
    expect(maximize.y).toEqual([0.5, 0.7, 0.9, 0.3]);
    expect(maximize.best).toEqual([0.5, 0.7, 0.7, 0.7]);
    const firstStopped = objectivePoints(
      [trial(1, 'Stopped', 0.2, {}), trial(2, 'Completed', 0.4, {})],
      'Minimize',
      'index',
      null
    );
    expect(firstStopped.best).toEqual([null, 0.4]);
    expect(trialNumber('sweep-012-1a2b3c4d')).toBe(12);
    expect(trialNumber('plain-job')).toBeNull();

    // Trials that end at the same second stay apart (uPlot wants ascending x).
    const same = objectivePoints(
      [
        trial(1, 'Completed', 0.5, {}),
        trial(1, 'Completed', 0.4, {}, { TrainingJobName: 'other' })
      ],
      'Minimize',
      'time',
      '2024-05-01T10:00:00+00:00'
    );
    expect(same.x[1]).toBeGreaterThan(same.x[0]);
    expect(same.best).toEqual([0.5, 0.4]);
    // NaN objectives are not drawn.
    expect(
      objectivePoints(
        [trial(1, 'Completed', 'NaN', {})],
        'Minimize',
        'time',
        null
      ).x
    ).toEqual([]);
  });

  it('sort trials by any column, missing values last both ways', () => {
    const names = (trials: ITuningTrialSummary[]) =>
      trials.map(t => trialNumber(t.TrainingJobName));
    expect(
      names(sortTrials(TRIALS, { column: 'objective', descending: false }))
    ).toEqual([4, 1, 2, 3, 5, 6]);
    expect(
      names(sortTrials(TRIALS, { column: 'objective', descending: true }))
    ).toEqual([3, 2, 1, 4, 5, 6]);
    // numbers as numbers (8 after 2), not as text
    expect(
      names(sortTrials(TRIALS, { column: 'hp:depth', descending: false }))
    ).toEqual([2, 5, 1, 6, 4, 3]);
    expect(
      names(sortTrials(TRIALS, { column: 'status', descending: false }))[0]
    ).toBe(1);
  });

  it('name the tuned hyperparameters, the axes and the progress', () => {
    const job = described('InProgress');
    expect(
      tunedNames(job, [trial(9, 'Completed', 1, { extra: '1', lr: '0.1' })])
    ).toEqual(['depth', 'lr', 'opt', 'extra']);
    const axes = parallelAxes(TRIALS, ['depth', 'opt'], 'loss');
    expect(axes.map(a => a.name)).toEqual(['depth', 'opt', 'loss']);
    expect(axes[0].values).toEqual(['4', '2', '8', '6']);
    expect(axes[2].values).toEqual([0.5, 0.7, 0.9, 0.3]);
    expect(progressOf(job)).toEqual({ done: 3, running: 1, max: 4 });
  });

  it('build the tuning request from the launch form', () => {
    const form = emptyForm({
      mode: 'tuning',
      entryPoint: 'code/train.py',
      sourceDir: 'code',
      hyperparameters: [
        { key: 'epochs', value: '3' },
        {
          key: 'lr',
          value: '0.01',
          range: {
            type: 'Continuous',
            min: '0.001',
            max: '0.1',
            scaling: 'Logarithmic',
            values: ''
          }
        },
        {
          key: 'opt',
          value: '',
          range: {
            type: 'Categorical',
            min: '',
            max: '',
            scaling: 'Auto',
            values: 'adam, sgd ,'
          }
        },
        {
          key: 'depth',
          value: '',
          range: {
            type: 'Integer',
            min: '2',
            max: 'x',
            scaling: 'Auto',
            values: ''
          }
        }
      ],
      metricDefinitions: [
        { key: 'acc', value: 'acc=([0-9.]+)' },
        { key: 'loss', value: 'loss=([0-9.]+)' }
      ],
      maxRuntime: '30',
      experiment: 'exp',
      name: 'sweep'
    });
    form.tuning = { ...form.tuning, maxJobs: '8', earlyStopping: true };
    expect(toTuningRequest(form)).toEqual({
      name: 'sweep',
      experiment_name: 'exp',
      training: {
        entry_point: 'train.py',
        source_dir: 'code',
        hyperparameters: { epochs: 3 },
        metric_definitions: [
          { Name: 'acc', Regex: 'acc=([0-9.]+)' },
          { Name: 'loss', Regex: 'loss=([0-9.]+)' }
        ],
        max_runtime_seconds: 30
      },
      // the first metric definition unless one is chosen
      objective_metric_name: 'acc',
      objective_type: 'Minimize',
      hyperparameter_ranges: {
        lr: {
          type: 'Continuous',
          min_value: 0.001,
          max_value: 0.1,
          scaling_type: 'Logarithmic'
        },
        opt: { type: 'Categorical', values: ['adam', 'sgd'] },
        // not a number: sent as typed, for the server to name
        depth: {
          type: 'Integer',
          min_value: 2,
          max_value: 'x',
          scaling_type: 'Auto'
        }
      },
      strategy: 'Bayesian',
      max_jobs: 8,
      max_parallel_jobs: 2,
      early_stopping_type: 'Auto'
    });
    expect(suggestRange('4')).toMatchObject({
      type: 'Integer',
      min: '2',
      max: '8'
    });
    expect(suggestRange('0.01')).toMatchObject({
      type: 'Continuous',
      min: '0.001',
      max: '0.1',
      scaling: 'Logarithmic'
    });
    expect(suggestRange('adam')).toMatchObject({
      type: 'Categorical',
      values: 'adam'
    });
    expect(fieldOf('hyperparameter_ranges.lr')).toBe('hyperparameter_ranges');
    expect(fieldOf('training.entry_point')).toBe('entry_point');
    expect(fieldOf('max_parallel_jobs')).toBe('max_parallel_jobs');
  });
});

// -- models against the test server ----------------------------------------------------

const harness = new ServerHarness();
let server: TestServer;
let client: LabstudioClient;

beforeEach(() => {
  ({ server, client } = harness);
});
const { connectEvents, track, broadcast } = harness;

describe('TuningModel', () => {
  it('reads the sweep and every page of its trials, then follows its events and its trials', async () => {
    let job = described('InProgress');
    let trials = TRIALS.slice(0, 4);
    serveApi(server, {
      'GET /tuning-jobs/sweep': () => job,
      'GET /tuning-jobs/sweep/training-jobs': req =>
        new URL(req.url, 'http://x').searchParams.get('next_token') === 'p2'
          ? { TrainingJobSummaries: trials.slice(2), NextToken: null }
          : { TrainingJobSummaries: trials.slice(0, 2), NextToken: 'p2' }
    });
    const model = track(
      new TuningModel({
        client,
        events: connectEvents(),
        name: 'sweep',
        reloadDelay: 20
      })
    );
    await model.start();
    expect(model.job?.HyperParameterTuningJobStatus).toBe('InProgress');
    expect(model.trials.map(t => t.TrainingJobName)).toEqual(
      TRIALS.slice(0, 4).map(t => t.TrainingJobName)
    );
    const pages = requestsTo(server, 'GET', '/tuning-jobs/sweep/training-jobs');
    expect(
      pages.map(r => new URL(r.url, 'http://x').searchParams.get('sort_order'))
    ).toEqual(['Ascending', 'Ascending']);
    expect(model.active).toBe(true);
    expect(model.parameterNames).toEqual(['depth', 'lr', 'opt']);
    // Minimize: the best objective first
    expect(model.sortedTrials()[0].TrainingJobName).toBe(
      TRIALS[3].TrainingJobName
    );
    model.sortBy('objective');
    expect(model.sort).toEqual({ column: 'objective', descending: true });
    model.sortBy('hp:depth');
    expect(model.sort).toEqual({ column: 'hp:depth', descending: false });

    await until(() => !!harness.events?.connected, 5000, 'the events socket');
    await model.reload();

    // Another sweep's events and other jobs' events change nothing.
    const reads = () => requestsTo(server, 'GET', '/tuning-jobs/sweep').length;
    const before = reads();
    broadcast('tuning.status', { name: 'other', status: 'Completed' });
    broadcast('job.status', { name: 'sweepy-001-00000001', status: 'Failed' });
    broadcast('job.status', { name: 'other-001-00000001', status: 'Failed' });
    await new Promise(resolve => setTimeout(resolve, 150));
    expect(reads()).toBe(before);

    // A trial of this sweep starts: one re-read shows it.
    trials = TRIALS.slice(0, 6);
    broadcast('job.created', { name: TRIALS[5].TrainingJobName });
    broadcast('job.status', {
      name: TRIALS[5].TrainingJobName,
      status: 'InProgress'
    });
    await until(() => model.trials.length === 6, 5000, 'the new trial');

    // The sweep's status is patched at once, then re-read.
    job = described('Completed', {
      BestTrainingJob: TRIALS[3]
    });
    broadcast('tuning.status', { name: 'sweep', status: 'Stopping' });
    await until(
      () => model.job?.HyperParameterTuningJobStatus === 'Stopping',
      5000,
      'the patched status'
    );
    await until(
      () => model.job?.HyperParameterTuningJobStatus === 'Completed',
      5000,
      'the re-read'
    );
    expect(model.active).toBe(false);
    expect(model.best?.TrainingJobName).toBe(TRIALS[3].TrainingJobName);

    // tuning.progress after a finished trial: re-read as well.
    const count = reads();
    broadcast('tuning.progress', {
      name: 'sweep',
      completed: 4,
      total: 4,
      best: 0.3
    });
    await until(() => reads() > count, 5000, 'a re-read on progress');
  });

  it('stops the sweep and deploys the best trial, keeping an action error', async () => {
    let stopped = false;
    let deploy: ITestResponse = {
      status: 400,
      json: { message: 'EndpointName is taken', field: 'EndpointName' }
    };
    serveApi(server, {
      'GET /tuning-jobs/sweep': () =>
        stopped
          ? described('Stopping', { BestTrainingJob: TRIALS[3] })
          : described('InProgress'),
      'GET /tuning-jobs/sweep/training-jobs': () => ({
        TrainingJobSummaries: TRIALS,
        NextToken: null
      }),
      'POST /tuning-jobs/sweep/stop': () => {
        stopped = true;
        return described('Stopping', { BestTrainingJob: TRIALS[3] });
      },
      'POST /endpoints': () => deploy
    });
    const model = track(new TuningModel({ client, name: 'sweep' }));
    await model.start();

    expect(await model.deployBest('ep')).toBeNull();
    expect(model.actionError).toContain('No trial has finished');
    expect(requestsTo(server, 'POST', '/endpoints')).toHaveLength(0);

    await model.stop();
    expect(requestsTo(server, 'POST', '/tuning-jobs/sweep/stop')).toHaveLength(
      1
    );
    expect(model.job?.HyperParameterTuningJobStatus).toBe('Stopping');
    expect(model.busy).toBe(false);

    expect(await model.deployBest('sweep-ep')).toBeNull();
    expect(model.actionError).toBe('EndpointName is taken');
    deploy = { status: 201, json: { EndpointName: 'sweep-ep' } };
    expect(await model.deployBest('sweep-ep')).toBe('sweep-ep');
    expect(model.actionError).toBeNull();
    const sent = requestsTo(server, 'POST', '/endpoints').map(r =>
      JSON.parse(r.body)
    );
    // the job detail's deploy request, for the best trial's job
    expect(sent[1]).toEqual({
      EndpointName: 'sweep-ep',
      ProductionVariants: [
        { VariantName: 'AllTraffic', Source: TRIALS[3].TrainingJobName }
      ]
    });
  });

  it('keeps the error of a sweep that cannot be read', async () => {
    serveApi(server, {
      'GET /tuning-jobs/nope': () => ({
        status: 404,
        json: { message: "No tuning job named 'nope'.", field: 'name' }
      }),
      'GET /tuning-jobs/nope/training-jobs': () => ({
        status: 404,
        json: { message: "No tuning job named 'nope'.", field: 'name' }
      })
    });
    const model = track(new TuningModel({ client, name: 'nope' }));
    await model.start();
    expect(model.error?.message).toBe("No tuning job named 'nope'.");
    expect(model.job).toBeNull();
  });
});

describe('TuningJobsModel', () => {
  it('lists the sweeps, patches status and progress from events, then refreshes once', async () => {
    let rows = [listRow('sweep', 'InProgress')];
    serveApi(server, {
      'GET /tuning-jobs': () => ({
        HyperParameterTuningJobSummaries: rows,
        NextToken: null
      })
    });
    const model = track(
      new TuningJobsModel({ client, events: connectEvents(), refreshDelay: 50 })
    );
    await model.start();
    expect(model.jobs).toHaveLength(1);
    expect(model.progress(model.jobs[0])).toEqual({
      done: 1,
      max: 4,
      best: 0.5
    });
    await until(() => !!harness.events?.connected, 5000, 'the events socket');
    await model.refresh();

    const before = requestsTo(server, 'GET', '/tuning-jobs').length;
    broadcast('tuning.progress', {
      name: 'sweep',
      completed: 2,
      total: 4,
      best: 0.25
    });
    await until(
      () => model.progress(model.jobs[0]).best === 0.25,
      5000,
      'the progress event'
    );
    expect(model.progress(model.jobs[0]).done).toBe(2);
    broadcast('tuning.status', { name: 'sweep', status: 'Stopping' });
    await until(
      () => model.jobs[0].HyperParameterTuningJobStatus === 'Stopping',
      5000,
      'the status event'
    );
    // The list catches up: one read for the burst.
    rows = [
      listRow('sweep', 'Stopped', {
        BestObjectiveValue: 0.25,
        TrainingJobStatusCounters: {
          Completed: 2,
          InProgress: 0,
          RetryableError: 0,
          NonRetryableError: 0,
          Stopped: 1
        }
      }),
      listRow('next', 'InProgress', { BestObjectiveValue: null })
    ];
    broadcast('tuning.created', { name: 'next' });
    await until(() => model.jobs.length === 2, 5000, 'the new sweep');
    expect(requestsTo(server, 'GET', '/tuning-jobs').length).toBe(before + 1);
    expect(model.progress(model.jobs[0])).toEqual({
      done: 3,
      max: 4,
      best: 0.25
    });
    expect(model.progress(model.jobs[1]).best).toBeNull();
    model.setFilter('NEX');
    expect(model.visibleJobs().map(j => j.HyperParameterTuningJobName)).toEqual(
      ['next']
    );
  });
});

describe('LaunchFormModel in tuning mode', () => {
  it('checks the form, sends the tuning request and puts server errors beside their field', async () => {
    let answer: ITestResponse = {
      status: 400,
      json: {
        message: "Range 'lr': log scaling needs a minimum above 0, got 0.",
        field: 'hyperparameter_ranges.lr'
      }
    };
    serveApi(server, {
      'GET /experiments': () => ({ experiments: [] }),
      'POST /tuning-jobs': () => answer
    });
    const model = track(
      new LaunchFormModel({
        client,
        initial: {
          mode: 'tuning',
          hyperparameters: [{ key: 'lr', value: '0.1' }]
        }
      })
    );
    await model.start();
    expect(await model.submitTuning()).toBeNull();
    expect(Object.keys(model.errors).sort()).toEqual([
      'entry_point',
      'hyperparameter_ranges',
      'objective_metric_name'
    ]);
    expect(requestsTo(server, 'POST', '/tuning-jobs')).toHaveLength(0);

    model.set('entryPoint', 'train.py');
    model.set('hyperparameters', [
      {
        key: 'lr',
        value: '0.1',
        range: {
          type: 'Continuous',
          min: '0',
          max: '1',
          scaling: 'Logarithmic',
          values: ''
        }
      }
    ]);
    model.set('metricDefinitions', [{ key: 'loss', value: 'loss=([0-9.]+)' }]);
    model.setTuning('objectiveType', 'Minimize');
    expect(await model.submitTuning()).toBeNull();
    expect(model.errors).toEqual({
      hyperparameter_ranges: [
        "Range 'lr': log scaling needs a minimum above 0, got 0."
      ]
    });
    const body = JSON.parse(requestsTo(server, 'POST', '/tuning-jobs')[0].body);
    expect(body.objective_metric_name).toBe('loss');
    expect(body.hyperparameter_ranges.lr.min_value).toBe(0);

    answer = {
      status: 201,
      json: described('InProgress', { HyperParameterTuningJobName: 'sweep-1' })
    };
    const launched = await model.submitTuning();
    expect(launched?.HyperParameterTuningJobName).toBe('sweep-1');
    expect(model.launched).toBe('sweep-1');
    expect(model.errors).toEqual({});
  });
});

// -- what the section and the view render ---------------------------------------------

describe('tuning views', () => {
  beforeEach(() => {
    (globalThis as any).IS_REACT_ACT_ENVIRONMENT = false;
    // jsdom has no canvas: a 2D context that draws nothing.
    const ctx = new Proxy({}, { get: () => () => undefined });
    jest
      .spyOn(HTMLCanvasElement.prototype, 'getContext')
      .mockImplementation(() => ctx as any);
  });
  afterEach(() => jest.restoreAllMocks());

  it('show the sweep in the Studio panel; a click opens it', async () => {
    serveApi(server, {
      'GET /jobs': () => ({ TrainingJobSummaries: [], NextToken: null }),
      'GET /tuning-jobs': () => ({
        HyperParameterTuningJobSummaries: [listRow('sweep', 'InProgress')],
        NextToken: null
      })
    });
    const opened: string[] = [];
    const tuning = new TuningJobsModel({ client });
    const panel = track(
      new StudioPanel({
        jobs: new JobsModel({ client }),
        tuning,
        actions: { openTuning: name => opened.push(name) }
      })
    );
    Widget.attach(panel, document.body);
    void tuning.start();
    const section = () =>
      panel.node.querySelector<HTMLElement>(
        '[data-testid="labstudio-section-tuning"]'
      )!;
    await waitFor(() =>
      expect(
        section().querySelector('[data-testid="labstudio-tuning-row"]')
      ).not.toBeNull()
    );
    const row = section().querySelector<HTMLElement>(
      '[data-testid="labstudio-tuning-row"]'
    )!;
    expect(row.dataset.status).toBe('InProgress');
    expect(
      row.querySelector('[data-testid="labstudio-tuning-row-progress"]')!
        .textContent
    ).toBe('1/4');
    expect(
      row.querySelector('[data-testid="labstudio-tuning-row-best"]')!
        .textContent
    ).toBe('best 0.5');
    fireEvent.click(row);
    expect(opened).toEqual(['sweep']);
    Widget.detach(panel);
  });

  it('render the trials table (sortable, stopped-early marked), the chart and the parallel coordinates', async () => {
    serveApi(server, {
      'GET /tuning-jobs/sweep': () =>
        described('InProgress', { BestTrainingJob: TRIALS[3] }),
      'GET /tuning-jobs/sweep/training-jobs': () => ({
        TrainingJobSummaries: TRIALS,
        NextToken: null
      })
    });
    const model = track(new TuningModel({ client, name: 'sweep' }));
    await model.start();
    const opened: string[] = [];
    const compared: string[][] = [];
    const { container, unmount } = render(
      <TuningView
        model={model}
        onOpenJob={name => opened.push(name)}
        onCompare={ids => compared.push(ids)}
      />
    );
    const view = within(container);
    expect(view.getByTestId('labstudio-tuning-progress').textContent).toBe(
      '3 / 4 trials (1 running)'
    );
    expect(view.getByTestId('labstudio-tuning-best').textContent).toContain(
      '0.3'
    );
    expect(view.getByTestId('labstudio-tuning-stop')).toBeTruthy();
    expect(view.getByTestId('labstudio-tuning-deploy').textContent).toBe(
      'Deploy best'
    );
    const rowNames = () =>
      view
        .getAllByTestId('labstudio-tuning-trial-row')
        .map(r => trialNumber(r.dataset.trial!));
    expect(rowNames()).toEqual([4, 1, 2, 3, 5, 6]);
    const early = view
      .getAllByTestId('labstudio-tuning-trial-row')
      .filter(r => r.querySelector('[data-testid="labstudio-early-stopped"]'));
    expect(early.map(r => trialNumber(r.dataset.trial!))).toEqual([3]);
    const headers = view.getAllByTestId('labstudio-trials-header');
    expect(headers.map(h => h.dataset.column)).toEqual([
      'name',
      'status',
      'objective',
      'hp:depth',
      'hp:lr',
      'hp:opt'
    ]);
    fireEvent.click(headers[3]);
    await waitFor(() => expect(rowNames()).toEqual([2, 5, 1, 6, 4, 3]));
    fireEvent.click(view.getAllByTestId('labstudio-tuning-trial-row')[0]);
    expect(opened).toEqual([TRIALS[1].TrainingJobName]);

    fireEvent.click(view.getByTestId('labstudio-tuning-compare'));
    expect(compared).toEqual([['run-1']]); // the trials that have a run

    const chart = view.getByTestId('labstudio-objective-chart');
    expect(chart.dataset.points).toBe('4');
    expect(chart.dataset.series).toBe('2');
    expect(view.getByTestId('labstudio-parallel-chart').dataset.axes).toBe('4');
    unmount();
  });
});
