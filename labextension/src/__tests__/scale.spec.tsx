/**
 * The panel at scale and in detail: whole-experiment selections, the comparison's point
 * budget and brushes, log axes and labels that do not overlap, the scatter's padding and
 * hover, the forms' own words and the regex warning, the Studio home (sections only for
 * routes the server has), the run page (lineage only with the route), the widgets' Stop
 * acting through the REST API, and the transform's output files before they exist.
 */
import { fireEvent, render, screen } from '@testing-library/react';
import * as React from 'react';

import { LabstudioClient } from '../api';
import { hoverText } from '../charts/MetricChart';
import {
  passesBrushes,
  scaleAxes,
  spacedLabels,
  wantsLog
} from '../charts/ParallelCoordinates';
import { nearestPoint, paddedRange } from '../charts/ScatterChart';
import { ExperimentsModel } from '../panel/experimentsModel';
import { RunSelection } from '../panel/selection';
import { plural } from '../views/common/common';
import { pointsPerCurve } from '../views/compare/compareModel';
import { HomeModel } from '../views/home/homeModel';
import {
  modelPackageItem,
  PENDING_MODELS,
  PIPELINES
} from '../views/home/sources';
import { TransformJobView } from '../views/kinds/TransformJobView';
import { TransformJobModel } from '../views/kinds/transformModel';
import { transformWords } from '../views/kinds/transformFormModel';
import {
  captureGroups,
  emptyForm,
  inFormWords,
  testRegex
} from '../views/launch/formModel';
import { RunModel } from '../views/run/runModel';
import { installWidgetStop, stoppedText } from '../widgetStop';
import { experiment, run } from './studioFixtures';
import { IRecordedRequest, serveApi, TestServer, until } from './server';

describe('whole-experiment selection', () => {
  it('selects every run of an experiment, loaded or not, less those unticked', () => {
    const s = new RunSelection();
    const counts = (name: string) => (name === 'big' ? 100_000 : 3);
    s.click('x', [], false, () => 'small');
    s.setExperiment('big', true);
    expect(s.size(counts)).toBe(100_001);
    expect(s.has('b-1', 'big')).toBe(true);
    expect(s.isWhole('big')).toBe(true);
    s.click('b-1', [], false, id => (id.startsWith('b-') ? 'big' : 'small'));
    expect(s.has('b-1', 'big')).toBe(false);
    expect(s.isWhole('big')).toBe(false);
    expect(s.isPartlyWhole('big')).toBe(true);
    expect(s.size(counts)).toBe(100_000);
    expect(s.toCompare(100_000)).toEqual({
      runIds: ['x'],
      experiments: ['big'],
      exclude: ['b-1'],
      expected: 100_000
    });
    // a shift range across a whole experiment takes the anchor's state
    s.click('b-2', ['b-2', 'b-3', 'b-4'], false, () => 'big');
    s.click('b-4', ['b-2', 'b-3', 'b-4'], true, () => 'big');
    expect(['b-2', 'b-3', 'b-4'].map(id => s.has(id, 'big'))).toEqual([
      false,
      false,
      false
    ]);
    s.setExperiment('big', false);
    expect(s.toCompare()).toEqual({ runIds: ['x'], expected: 1 });
  });

  it('in the panel model: counts whole experiments and hands a selector to the comparison', async () => {
    const server = await TestServer.start();
    try {
      serveApi(server, {
        'GET /experiments': () => ({
          experiments: [experiment('big', { run_count: 5000 })]
        }),
        'GET /runs': () => ({
          runs: [run('r1', { experiment: 'big' })],
          next_token: 'n',
          total: 5000
        })
      });
      const client = new LabstudioClient({ serverSettings: server.settings() });
      const model = new ExperimentsModel({ client });
      await model.start();
      await until(
        () => !!model.runList('big')?.runs.length,
        5000,
        'the first page'
      );
      model.selectExperiment('big', true);
      expect(model.selectedCount()).toBe(5000);
      expect(model.isSelected(model.runList('big')!.runs[0])).toBe(true);
      expect(model.compareSelection()).toEqual({
        runIds: [],
        experiments: ['big'],
        exclude: undefined,
        expected: 5000
      });
      model.dispose();
    } finally {
      await server.close();
    }
  });
});

describe('comparison at scale', () => {
  it('shares a point budget among the curves', () => {
    expect(pointsPerCurve(1000, 10)).toBe(1000);
    expect(pointsPerCurve(1000, 1000)).toBe(200);
    expect(pointsPerCurve(1000, 100_000)).toBe(20);
    expect(pointsPerCurve(1000, Infinity)).toBe(200);
    expect(plural(1, 'run')).toBe('1 run');
    expect(plural(1200, 'run')).toBe('1,200 runs');
  });

  it('names the run under the cursor', () => {
    expect(hoverText('run-a', 'step', 1200, 0.123456789)).toBe(
      'run-a · step 1,200 · 0.123457'
    );
    expect(hoverText('run-a', 'time', 12.3456, 2)).toBe('run-a · 12.35 s · 2');
  });

  it('puts a log-sampled rate on a log axis, and brushes by position', () => {
    const lr = [1e-5, 3e-5, 1e-4, 4e-4, 1e-3, 1e-2, 1e-1];
    expect(wantsLog(lr)).toBe(true);
    expect(wantsLog([1, 2, 3, 4])).toBe(false);
    expect(wantsLog([-1, 10, 1000])).toBe(false);
    const [axis, linear] = scaleAxes([
      { name: 'lr', values: lr },
      { name: 'loss', values: [1, 2, 3, 4, 5, 6, 7] }
    ]);
    expect(axis.log).toBe(true);
    expect(linear.log).toBe(false);
    // a decade apart on the axis, not crowded at the bottom
    expect(axis.pos[2]! - axis.pos[0]!).toBeCloseTo(0.25, 5);
    expect(axis.labels.map(l => l.text)).toEqual([
      '1.00e-5',
      '0.1',
      '1e-4',
      '1e-3',
      '1e-2'
    ]);
    // a tuning range says log: log, whatever the spread
    expect(
      scaleAxes([{ name: 'x', values: [1, 2, 3], log: true }])[0].log
    ).toBe(true);
    const passing = passesBrushes([axis, linear], { lr: [0, 0.5] });
    expect(passing).toEqual([true, true, true, true, true, false, false]);
  });

  it('leaves out category labels that would overlap', () => {
    const cats = scaleAxes([
      { name: 'opt', values: Array.from({ length: 24 }, (_, i) => `o${i}`) }
    ])[0];
    expect(cats.labels).toHaveLength(24);
    const kept = spacedLabels(cats.labels, 230, 13);
    expect(kept.length).toBeLessThan(24);
    expect(kept[0].pos).toBe(0);
    expect(kept[kept.length - 1].pos).toBe(1);
    for (let i = 1; i < kept.length; i++) {
      expect((kept[i].pos - kept[i - 1].pos) * 230).toBeGreaterThanOrEqual(13);
    }
  });

  it('pads the scatter’s scales and finds the point under the cursor', () => {
    expect(paddedRange(0, 10)).toEqual([-0.6, 10.6]);
    expect(paddedRange(5, 5)).toEqual([4.7, 5.3]);
    const at = (v: number) => v * 10;
    expect(nearestPoint([1, 5, 9], [1, 5, 9], at, at, 52, 49)).toBe(1);
    expect(nearestPoint([1, 5, 9], [1, 5, 9], at, at, 200, 200)).toBe(-1);
  });
});

describe('forms in their own words', () => {
  it('rewrites the request’s field names as the form’s labels', () => {
    const form = emptyForm({
      metricDefinitions: [{ key: 'loss', value: 'loss=[0-9.]+' }]
    });
    expect(
      inFormWords(
        "metric_definitions[0].Regex 'loss=[0-9.]+' needs a capture group around the value, e.g. 'loss=([0-9.]+)'.",
        form
      )
    ).toBe(
      "The regex of metric 1 (loss) 'loss=[0-9.]+' needs a capture group around the value, e.g. 'loss=([0-9.]+)'."
    );
    expect(
      inFormWords("'hyperparameter_ranges.eta0' is inverted: swap them.")
    ).toBe('The range of eta0 is inverted: swap them.');
    expect(
      inFormWords("'training.entry_point' missing.py does not exist.")
    ).toBe('The entry point missing.py does not exist.');
    expect(transformWords("'output_path' out is a file.")).toBe(
      'The output folder out is a file.'
    );
  });

  it('warns about a pattern without a capture group', () => {
    expect(captureGroups(/loss=([0-9.]+)/)).toBe(1);
    expect(captureGroups(/loss=[0-9.]+/)).toBe(0);
    expect(captureGroups(/(?:a)(b)(c)/)).toBe(2);
    expect(testRegex('loss=[0-9.]+', 'loss=0.5').warning).toContain(
      'No capture group'
    );
    expect(testRegex('loss=([0-9.]+)', 'loss=0.5').warning).toBeNull();
  });
});

describe('the Studio home and the run page', () => {
  let server: TestServer;
  let client: LabstudioClient;

  beforeEach(async () => {
    server = await TestServer.start();
    client = new LabstudioClient({ serverSettings: server.settings() });
  });
  afterEach(async () => {
    await server.close();
  });

  const base = (routes: string[]) => ({
    'GET /openapi.json': () => ({
      paths: Object.fromEntries(routes.map(r => [`/labstudio/api${r}`, {}]))
    }),
    'GET /jobs': () => ({
      JobSummaries: [
        {
          Kind: 'training',
          TrainingJobName: 'done',
          TrainingJobStatus: 'Completed',
          SecondaryStatus: 'Completed',
          StatusMessage: '',
          CreationTime: '2024-05-01T10:00:00+00:00',
          TrainingStartTime: null,
          TrainingEndTime: '2024-05-01T10:01:00+00:00',
          LastModifiedTime: '2024-05-01T10:01:00+00:00',
          FailureReason: null,
          ExperimentName: null,
          RunId: null
        },
        {
          Kind: 'training',
          TrainingJobName: 'running',
          TrainingJobStatus: 'InProgress',
          SecondaryStatus: 'Training',
          StatusMessage: '',
          CreationTime: '2024-05-01T09:00:00+00:00',
          TrainingStartTime: null,
          TrainingEndTime: null,
          LastModifiedTime: '2024-05-01T09:00:00+00:00',
          FailureReason: null,
          ExperimentName: null,
          RunId: null
        }
      ],
      NextToken: null
    }),
    'GET /endpoints': () => ({
      Endpoints: [
        {
          EndpointName: 'ep',
          EndpointStatus: 'InService',
          FailureReason: null,
          EndpointUrl: 'http://127.0.0.1:9',
          CreationTime: '',
          LastModifiedTime: '',
          VariantNames: ['AllTraffic']
        }
      ]
    }),
    'GET /endpoints/ep': () => ({
      EndpointName: 'ep',
      ProductionVariants: [
        {
          VariantName: 'AllTraffic',
          Metrics: {
            Invocations: 12,
            Errors: 0,
            Invocation4XXErrors: 0,
            Invocation5XXErrors: 2,
            LatencyP90Ms: 7.5
          }
        }
      ]
    }),
    'GET /experiments': () => ({ experiments: [experiment('demo')] })
  });

  it('the home: running jobs first, endpoint health, and a section only for a route the server has', async () => {
    serveApi(server, base([]));
    let home = new HomeModel({ client, sources: [PENDING_MODELS] });
    await home.start();
    expect(home.jobs.map(j => j.name)).toEqual(['running', 'done']);
    expect(home.runningJobs).toBe(1);
    expect(home.endpoints[0]).toMatchObject({
      health: 'failing',
      invocations: 12,
      errors: 2,
      p90Ms: 7.5
    });
    expect(home.sections).toEqual([]); // no /model-packages route: no section, no request
    expect(server.requests.some(r => r.url.includes('/model-packages'))).toBe(
      false
    );
    home.dispose();

    serveApi(server, {
      ...base(['/model-packages']),
      'GET /model-packages': (req: IRecordedRequest) => {
        expect(
          new URL(req.url, 'http://x').searchParams.get('approval_status')
        ).toBe('PendingManualApproval');
        return {
          ModelPackageSummaryList: [
            {
              ModelPackageName: 'churn',
              ModelPackageGroupName: 'churn',
              ModelPackageVersion: 3,
              ModelPackageArn: 'arn',
              ModelPackageDescription: '',
              CreationTime: '',
              ModelPackageStatus: 'Completed',
              ModelApprovalStatus: 'PendingManualApproval',
              TrainingJobName: 'done',
              MetricValues: { auc: 0.91234 }
            }
          ],
          NextToken: null
        };
      }
    });
    home = new HomeModel({
      client: new LabstudioClient({ serverSettings: server.settings() }),
      sources: [PENDING_MODELS]
    });
    await home.start();
    expect(home.sections.map(s => s.items)).toEqual([
      [
        {
          name: 'churn/3',
          status: 'PendingManualApproval',
          detail: 'from done · auc 0.9123',
          open: { command: 'labstudio:open-job', args: { name: 'done' } }
        }
      ]
    ]);
    home.dispose();
    expect(
      modelPackageItem({
        ModelPackageName: 'g',
        ModelPackageGroupName: 'g',
        ModelPackageVersion: 1,
        ModelPackageArn: 'a',
        ModelPackageDescription: '',
        CreationTime: '',
        ModelPackageStatus: 'Completed',
        ModelApprovalStatus: 'PendingManualApproval',
        TrainingJobName: null,
        MetricValues: {}
      }).open
    ).toBeUndefined();
  });

  it('the home: pipelines, most recently run first, each with its last execution', async () => {
    const pipeline = (
      name: string,
      created: string,
      last: { status: string; start: string } | null
    ) => ({
      PipelineArn: `arn:${name}`,
      PipelineName: name,
      PipelineDisplayName: name,
      PipelineDescription: null,
      RoleArn: null,
      CreationTime: created,
      LastModifiedTime: created,
      LastExecutionTime: last?.start ?? null,
      LastExecution: last && {
        PipelineExecutionArn: `arn:${name}/execution/1`,
        PipelineExecutionId: '1',
        PipelineExecutionStatus: last.status,
        StartTime: last.start,
        EndTime: null
      }
    });
    serveApi(server, {
      ...base(['/pipelines']),
      'GET /pipelines': () => ({
        PipelineSummaries: [
          pipeline('never-run', '2024-05-03T09:00:00+00:00', null),
          pipeline('old', '2024-05-02T09:00:00+00:00', {
            status: 'Succeeded',
            start: '2024-05-02T10:00:00+00:00'
          }),
          pipeline('busy', '2024-05-01T09:00:00+00:00', {
            status: 'Executing',
            start: '2024-05-04T09:00:00+00:00'
          })
        ],
        NextToken: null
      })
    });
    const home = new HomeModel({ client, sources: [PIPELINES] });
    await home.start();
    const [section] = home.sections;
    expect(section.source.id).toBe('pipelines');
    expect(section.items.map(i => [i.name, i.status])).toEqual([
      ['busy', 'Executing'],
      ['never-run', 'NotStarted'],
      ['old', 'Succeeded']
    ]);
    expect(section.items[1].detail).toBe('Not run yet');
    expect(section.items[0].detail).toMatch(/^Executing · started /);
    home.dispose();
  });

  it('the run page: the run and a history per metric; lineage only with the route', async () => {
    const detail = {
      ...run('r1', { source_type: 'TrainingJob', source_name: 'fit-1' }),
      metric_names: ['loss'],
      artifacts: [],
      job: { name: 'fit-1', kind: 'training', status: 'Completed' }
    };
    serveApi(server, {
      'GET /openapi.json': () => ({ paths: {} }),
      'GET /runs/r1': () => detail,
      'GET /runs/r1/metrics/loss': () => ({
        run_id: 'r1',
        name: 'loss',
        count: 2,
        downsampled: false,
        steps: [0, 1],
        values: [1, 'NaN'],
        timestamps: [1, 2]
      })
    });
    let model = new RunModel({ client, runId: 'r1' });
    await model.start();
    expect(model.run?.name).toBe('run-r1');
    expect(model.histories.get('loss')?.y).toEqual([1, NaN]);
    expect(model.lineageAvailable).toBe(false);
    expect(server.requests.some(r => r.url.includes('/lineage'))).toBe(false);
    model.dispose();

    serveApi(server, {
      'GET /openapi.json': () => ({ paths: { '/labstudio/api/lineage': {} } }),
      'GET /runs/r1': () => detail,
      'GET /runs/r1/metrics/loss': () => ({
        run_id: 'r1',
        name: 'loss',
        count: 0,
        downsampled: false,
        steps: [],
        values: [],
        timestamps: []
      }),
      'GET /lineage': (req: IRecordedRequest) => ({
        start: 'arn:job',
        direction: new URL(req.url, 'http://x').searchParams.get('direction'),
        nodes: [],
        edges: [],
        truncated: false
      })
    });
    model = new RunModel({
      client: new LabstudioClient({ serverSettings: server.settings() }),
      runId: 'r1'
    });
    await model.start();
    expect(model.lineageAvailable).toBe(true);
    expect([
      model.lineage?.up.direction,
      model.lineage?.down.direction
    ]).toEqual(['Ascendants', 'Descendants']);
    model.dispose();
  });

  it('the widgets’ Stop stops the job through the REST API and says so', async () => {
    serveApi(server, {
      'POST /jobs/fit-1/stop': () => ({
        status: 202,
        json: { TrainingJobName: 'fit-1', TrainingJobStatus: 'Stopping' }
      }),
      'POST /tuning-jobs/sweep/stop': () => ({
        status: 404,
        json: { message: 'Tuning job sweep does not exist.' }
      })
    });
    const root = document.createElement('div');
    root.innerHTML =
      "<span><button data-labstudio-stop='training' data-labstudio-job='fit-1'>Stop</button><span data-labstudio-stop-status></span></span>" +
      "<span><button data-labstudio-stop='tuning' data-labstudio-job='sweep'>Stop</button><span data-labstudio-stop-status></span></span>";
    document.body.appendChild(root);
    const installed = installWidgetStop(root, client);
    const [job, sweep] = [
      ...root.querySelectorAll<HTMLButtonElement>('button')
    ];
    const [jobStatus, sweepStatus] = [
      ...root.querySelectorAll<HTMLElement>('[data-labstudio-stop-status]')
    ];
    job.click();
    expect(job.disabled).toBe(true);
    await until(() => job.dataset.state === 'stopped', 5000, 'the stop');
    expect(jobStatus.textContent).toContain('Job fit-1 is stopping');
    sweep.click();
    await until(() => sweep.dataset.state === 'failed', 5000, 'the refusal');
    expect(sweep.disabled).toBe(false);
    expect(sweepStatus.textContent).toBe(
      'Could not stop sweep: Tuning job sweep does not exist.'
    );
    expect(stoppedText('tuning', 's', 'Stopped')).toMatch(
      /^Tuning job s is Stopped/
    );
    installed.dispose();
    root.remove();
  });

  it('lists a transform’s output files without links until they are written', async () => {
    (globalThis as any).IS_REACT_ACT_ENVIRONMENT = true;
    const described = (status: string) => ({
      TransformJobName: 'score',
      TransformJobStatus: status,
      ModelName: 'm',
      CreationTime: '2024-05-01T10:00:00+00:00',
      TransformStartTime: null,
      TransformEndTime: null,
      LastModifiedTime: '2024-05-01T10:00:00+00:00',
      FailureReason: null,
      RecordsProcessed: 0,
      RecordsTotal: 10,
      TransformInput: {
        DataSource: { S3DataSource: { S3Uri: 'file:///root/data' } },
        ContentType: 'text/csv',
        SplitType: 'Line',
        CompressionType: 'None'
      },
      TransformOutput: {
        S3OutputPath: 'file:///root/out',
        Accept: null,
        AssembleWith: 'Line'
      },
      DataProcessing: {
        InputFilter: '$',
        OutputFilter: '$',
        JoinSource: 'None'
      },
      OutputFiles: ['/root/out/a.csv.out']
    });
    let status = 'InProgress';
    serveApi(server, {
      'GET /transform-jobs/score': () => described(status),
      'GET /transform-jobs/score/logs': () => ({ text: '', next_offset: 0 })
    });
    const model = new TransformJobModel({ client, name: 'score' });
    await model.start();
    const view = render(
      <TransformJobView
        model={model}
        root="/root"
        onOpenPath={() => undefined}
      />
    );
    const files = await screen.findByTestId('labstudio-transform-files');
    expect(files.getAttribute('data-written')).toBe('false');
    expect(files.querySelector('button')).toBeNull();
    expect(
      screen.getByTestId('labstudio-transform-files-pending').textContent
    ).toContain('links appear once the job completes');
    status = 'Completed';
    await model.reload();
    await until(
      () =>
        screen
          .getByTestId('labstudio-transform-files')
          .getAttribute('data-written') === 'true',
      5000,
      'the links'
    );
    expect(
      screen.queryByTestId('labstudio-transform-files-pending')
    ).toBeNull();
    view.unmount();
    model.dispose();
    fireEvent.click(document.body);
  });
});
