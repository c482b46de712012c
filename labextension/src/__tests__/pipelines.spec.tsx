/**
 * Pipelines in the panel, on answers taken from a real run of the UI tests' pipeline
 * (ui-tests/pipeline_seed.py: Prep → Train → Evaluate → CheckScore, else ScoreTooLow; one
 * execution that succeeded, one sent down the Fail branch): what each step shows and opens,
 * the start form's checks and body, two executions compared, ELK's layout of the DAG, the
 * models against the real HTTP + WebSocket test server (what they ask, how events recolour
 * a step and move a pipeline's last execution), and the views (nodes coloured by status, a
 * click opening the step's job or a condition's values, the form, the executions).
 */
import { fireEvent, render, waitFor, within } from '@testing-library/react';
import * as React from 'react';

import { LabstudioClient } from '../api';
import { PipelinesModel, withExecution } from '../panel/pipelinesModel';
import {
  IListPipelinesResponse,
  IPipelineDescription,
  IPipelineExecutionDescription,
  IPipelineExecutionStep,
  IPipelineExecutionSummary
} from '../types';
import { NODE_WIDTH } from '../views/graph/layout';
import { LineageTarget } from '../views/lineage/lineageData';
import {
  compareSteps,
  defaultValues,
  executionDuration,
  formErrors,
  parameterError,
  parameterText,
  startBody,
  stateOf,
  stepTarget
} from '../views/pipelines/pipelineData';
import {
  layoutPipeline,
  PipelineModel
} from '../views/pipelines/pipelineModel';
import { PipelinesView } from '../views/pipelines/PipelinesView';
import { PipelineView } from '../views/pipelines/PipelineView';
import answers from './pipelineAnswers.json';
import { requestsTo, serveApi, TestServer, until } from './server';
import { ServerHarness } from './harness';

const PIPELINES = answers.pipelines as IListPipelinesResponse;
const PIPELINE = answers.pipeline as IPipelineDescription;
const EXECUTIONS = answers.executions
  .PipelineExecutionSummaries as IPipelineExecutionSummary[];
/** The steps in the order they started (the client asks for Ascending). */
function stepsOf(which: 'good' | 'bad'): IPipelineExecutionStep[] {
  return [
    ...(answers[which].steps.PipelineExecutionSteps as IPipelineExecutionStep[])
  ].reverse();
}
const GOOD = answers.good.execution as IPipelineExecutionDescription;
const BAD = answers.bad.execution as IPipelineExecutionDescription;
const step = (which: 'good' | 'bad', name: string) =>
  stepsOf(which).find(s => s.StepName === name)!;

describe('pipeline helpers', () => {
  it('say what a step is in and what clicking it opens', () => {
    expect(stateOf(step('good', 'Train'))).toBe('Succeeded');
    expect(stateOf(undefined)).toBe('NotStarted');
    expect(stepTarget(step('good', 'Train'))).toEqual({
      kind: 'training-job',
      name: step('good', 'Train').JobName
    });
    expect(stepTarget(step('good', 'Prep'))?.kind).toBe('processing-job');
    expect(stepTarget(step('bad', 'CheckScore'))).toBeNull();
    expect(stepTarget(step('bad', 'ScoreTooLow'))).toBeNull();
    expect(
      stepTarget({
        ...step('good', 'CheckScore'),
        StepType: 'RegisterModel',
        Metadata: {
          RegisterModel: {
            Arn: 'arn:aws:sagemaker:local:000000000000:model-package/churn/3'
          }
        }
      })
    ).toEqual({ kind: 'model-package', group: 'churn', version: 3 });
  });

  it('build the start form from the parameters and check each value by its type', () => {
    const params = PIPELINE.Parameters;
    expect(params.map(p => `${p.Name}:${p.Type}`)).toEqual([
      'Tag:String',
      'Scale:Float',
      'MinScore:Float'
    ]);
    const values = defaultValues(params);
    expect(values).toEqual({ Tag: 'first', Scale: '1', MinScore: '1' });
    expect(formErrors(params, values)).toEqual({});
    expect(formErrors(params, { ...values, Scale: 'big' })).toEqual({
      Scale: 'A number, such as 0.5.'
    });
    const integer = { ...params[1], Type: 'Integer' as const };
    expect(parameterError(integer, '2.5')).toBe('A whole number, such as 3.');
    expect(parameterError(integer, ' 7 ')).toBeNull();
    const flag = { ...params[1], Type: 'Boolean' as const };
    expect(parameterError(flag, 'yes')).toBe('true or false.');
    const choice = { ...params[0], EnumValues: ['a', 'b'] };
    expect(parameterError(choice, 'c')).toBe('One of a, b.');
    expect(
      startBody(params, { ...values, MinScore: ' 10 ' }, ' strict ')
    ).toEqual({
      PipelineParameters: [
        { Name: 'Tag', Value: 'first' },
        { Name: 'Scale', Value: '1' },
        { Name: 'MinScore', Value: '10' }
      ],
      PipelineExecutionDisplayName: 'strict'
    });
  });

  it('show executions with their parameters in the pipeline order and their durations', () => {
    const [bad, good] = EXECUTIONS;
    expect(parameterText(good, PIPELINE.Parameters)).toBe(
      'Tag=second, Scale=1.0, MinScore=1.0'
    );
    expect(executionDuration(good, Date.now())).toBeCloseTo(
      (good.ElapsedSeconds ?? 0) * 1000
    );
    const running = { ...bad, EndTime: null, ElapsedSeconds: null };
    const started = Date.parse(bad.StartTime);
    expect(executionDuration(running, started + 2500)).toBe(2500);
  });

  it('compare two executions step by step in the DAG order', () => {
    const rows = compareSteps(
      PIPELINE.Graph,
      stepsOf('good'),
      stepsOf('bad'),
      Date.now()
    );
    expect(rows.map(r => r.step)).toEqual([
      'Prep',
      'Train',
      'Evaluate',
      'CheckScore',
      'ScoreTooLow'
    ]);
    const fail = rows.find(r => r.step === 'ScoreTooLow')!;
    expect(fail.states).toEqual(['NotStarted', 'Failed']);
    expect(fail.differs).toBe(true);
    const train = rows.find(r => r.step === 'Train')!;
    expect(train.differs).toBe(false);
    expect(train.jobs).toEqual([
      step('good', 'Train').JobName,
      step('bad', 'Train').JobName
    ]);
    expect(train.durations[0]).toBeGreaterThan(0);
  });

  it('lay the DAG out upstream to downstream (ELK)', async () => {
    const right = await layoutPipeline(PIPELINE.Graph, 'RIGHT');
    const down = await layoutPipeline(PIPELINE.Graph, 'DOWN');
    const chain = ['Prep', 'Train', 'Evaluate', 'CheckScore', 'ScoreTooLow'];
    for (let i = 1; i < chain.length; i++) {
      expect(right.positions.get(chain[i])!.x).toBeGreaterThan(
        right.positions.get(chain[i - 1])!.x + NODE_WIDTH - 1
      );
      expect(down.positions.get(chain[i])!.y).toBeGreaterThan(
        down.positions.get(chain[i - 1])!.y
      );
    }
  });

  it('move a pipeline last execution from its events', () => {
    const row = PIPELINES.PipelineSummaries[0];
    const last = row.LastExecution!;
    const at = '2026-12-07T23:00:00.000Z';
    const ended = withExecution(
      {
        ...row,
        LastExecution: {
          ...last,
          PipelineExecutionStatus: 'Executing',
          EndTime: null
        }
      },
      {
        execution_id: last.PipelineExecutionId,
        pipeline: row.PipelineName,
        status: 'Succeeded'
      },
      at
    );
    expect(ended.LastExecution?.PipelineExecutionStatus).toBe('Succeeded');
    expect(ended.LastExecution?.EndTime).toBe(at);
    const fresh = withExecution(
      row,
      { execution_id: 'new1', pipeline: row.PipelineName, status: 'Executing' },
      at
    );
    expect(fresh.LastExecution).toMatchObject({
      PipelineExecutionId: 'new1',
      PipelineExecutionStatus: 'Executing',
      StartTime: at
    });
    // An older execution that ends leaves the last one as it is.
    expect(
      withExecution(
        row,
        { execution_id: 'old', pipeline: row.PipelineName, status: 'Failed' },
        at
      )
    ).toBe(row);
  });
});

const harness = new ServerHarness();
let server: TestServer;
let client: LabstudioClient;

beforeEach(() => {
  ({ server, client } = harness);
});
const { track } = harness;
const connect = harness.connectEvents;

/** The pipeline's routes: the two executions of the real run, and one more once started. */
interface IServed {
  started: IPipelineExecutionSummary[];
  /** What `GET /pipelines` says is the last execution (the real run's, until changed). */
  lastExecution: IListPipelinesResponse['PipelineSummaries'][number]['LastExecution'];
  byId: Record<
    string,
    {
      execution: IPipelineExecutionDescription;
      steps: IPipelineExecutionStep[];
    }
  >;
}

function servePipeline(): IServed {
  const byId: Record<
    string,
    {
      execution: IPipelineExecutionDescription;
      steps: IPipelineExecutionStep[];
    }
  > = {
    [GOOD.PipelineExecutionId]: { execution: GOOD, steps: stepsOf('good') },
    [BAD.PipelineExecutionId]: { execution: BAD, steps: stepsOf('bad') }
  };
  const state: IServed = {
    started: [],
    byId,
    lastExecution: PIPELINES.PipelineSummaries[0].LastExecution
  };
  const routes: Record<string, (req: any) => unknown> = {
    'GET /pipelines': () => ({
      ...PIPELINES,
      PipelineSummaries: [
        {
          ...PIPELINES.PipelineSummaries[0],
          LastExecution: state.lastExecution
        }
      ]
    }),
    'GET /pipelines/ui-pipeline': () => PIPELINE,
    'GET /pipelines/ui-pipeline/executions': () => ({
      PipelineExecutionSummaries: [...state.started, ...EXECUTIONS],
      NextToken: null
    }),
    'POST /pipelines/ui-pipeline/executions': req => {
      const body = JSON.parse(req.body);
      if (
        body.PipelineParameters.some(
          (p: any) => p.Name === 'Tag' && p.Value === 'bad'
        )
      ) {
        return {
          status: 400,
          json: {
            message: "Parameter 'Tag' may not be 'bad'.",
            field: 'PipelineParameters.Tag'
          }
        };
      }
      const id = `new${state.started.length + 1}`;
      const summary: IPipelineExecutionSummary = {
        ...EXECUTIONS[1],
        PipelineExecutionId: id,
        PipelineExecutionArn: `${PIPELINE.PipelineArn}/execution/${id}`,
        PipelineExecutionStatus: 'Executing',
        EndTime: null,
        ElapsedSeconds: null,
        PipelineExecutionDisplayName: body.PipelineExecutionDisplayName ?? id,
        PipelineParameters: body.PipelineParameters
      };
      state.started.unshift(summary);
      byId[id] = {
        execution: {
          ...GOOD,
          PipelineExecutionId: id,
          PipelineExecutionStatus: 'Executing',
          EndTime: null
        },
        steps: []
      };
      return { status: 201, json: byId[id].execution };
    }
  };
  for (const id of Object.keys(byId).concat(['new1', 'new2'])) {
    routes[`GET /pipeline-executions/${id}`] = () =>
      byId[id]?.execution ?? { status: 404, json: { message: 'no' } };
    routes[`GET /pipeline-executions/${id}/steps`] = () => ({
      PipelineExecutionSteps: byId[id]?.steps ?? [],
      NextToken: null
    });
  }
  serveApi(server, routes);
  return state;
}

describe('PipelinesModel', () => {
  it('lists pipelines with their last execution, moved live by execution events', async () => {
    const served = servePipeline();
    const model = track(
      new PipelinesModel({ client, events: connect(), refreshDelay: 20 })
    );
    await model.start();
    expect(model.pipelines.map(p => p.PipelineName)).toEqual(['ui-pipeline']);
    expect(model.pipelines[0].LastExecution?.PipelineExecutionStatus).toBe(
      'Failed'
    );
    expect(model.runningCount).toBe(0);
    await until(() => !!harness.events?.connected, 5000, 'the events socket');
    // The server records a new execution, then its event goes out.
    served.lastExecution = {
      ...PIPELINES.PipelineSummaries[0].LastExecution!,
      PipelineExecutionId: 'zzz',
      PipelineExecutionStatus: 'Executing',
      EndTime: null
    };
    server.broadcast({
      id: 1,
      time: Date.now() / 1000,
      kind: 'pipeline.execution',
      payload: {
        execution_id: 'zzz',
        pipeline: 'ui-pipeline',
        status: 'Executing'
      }
    });
    await until(() => model.runningCount === 1, 5000, 'the new execution');
    expect(model.pipelines[0].LastExecution?.PipelineExecutionId).toBe('zzz');
    // The re-read that follows the event agrees with it.
    await until(
      () => requestsTo(server, 'GET', '/pipelines').length >= 2,
      5000,
      'the re-read'
    );
    await until(() => !model.loading, 5000, 'the re-read answered');
    expect(model.runningCount).toBe(1);
  });
});

describe('PipelineModel', () => {
  it('reads the pipeline, its executions and the newest one steps, and lays out the DAG', async () => {
    servePipeline();
    const model = track(new PipelineModel({ client, name: 'ui-pipeline' }));
    await model.start();
    expect(model.pipeline?.PipelineName).toBe('ui-pipeline');
    expect(model.executions).toHaveLength(2);
    expect(model.selectedId).toBe(BAD.PipelineExecutionId);
    expect(model.following).toBe(true);
    expect(model.steps.map(s => s.StepName)).toEqual([
      'Prep',
      'Train',
      'Evaluate',
      'CheckScore',
      'ScoreTooLow'
    ]);
    expect(model.layouts.map(l => l.direction)).toEqual(['RIGHT', 'DOWN']);
    expect(model.layouts[0].positions.size).toBe(5);
    expect(model.values).toEqual({ Tag: 'first', Scale: '1', MinScore: '1' });

    await model.selectExecution(GOOD.PipelineExecutionId);
    expect(model.following).toBe(false);
    expect(model.execution?.PipelineExecutionStatus).toBe('Succeeded');
    expect(model.steps.map(s => s.StepName)).not.toContain('ScoreTooLow');
    // the same DAG: not laid out again
    const laid = model.layouts;
    await model.reload();
    expect(model.layouts).toBe(laid);

    model.toggleCompare(GOOD.PipelineExecutionId);
    model.toggleCompare(BAD.PipelineExecutionId);
    await model.compare();
    expect(model.comparedIds).toEqual([
      GOOD.PipelineExecutionId,
      BAD.PipelineExecutionId
    ]);
    expect(model.comparison?.filter(r => r.differs).map(r => r.step)).toEqual([
      'ScoreTooLow'
    ]);
    // A third tick drops the oldest.
    model.toggleCompare('new1');
    expect(model.compareIds).toEqual([BAD.PipelineExecutionId, 'new1']);
  });

  it('starts an execution from the form, shows it and recolours its steps from the events', async () => {
    const state = servePipeline();
    const model = track(
      new PipelineModel({
        client,
        events: connect(),
        name: 'ui-pipeline',
        reloadDelay: 20
      })
    );
    await model.start();
    await until(() => !!harness.events?.connected, 5000, 'the events socket');

    model.setValue('Scale', 'x');
    expect(model.formErrors).toEqual({ Scale: 'A number, such as 0.5.' });
    expect(await model.startExecution()).toBeNull();
    expect(
      requestsTo(server, 'POST', '/pipelines/ui-pipeline/executions')
    ).toHaveLength(0);

    // The server's own check, kept with its field.
    model.setValue('Scale', '2');
    model.setValue('Tag', 'bad');
    expect(await model.startExecution()).toBeNull();
    expect(model.startError?.field).toBe('PipelineParameters.Tag');

    model.setValue('Tag', 'third');
    model.setDisplayName('from-the-form');
    const id = await model.startExecution();
    expect(id).toBe('new1');
    const sent = JSON.parse(
      requestsTo(server, 'POST', '/pipelines/ui-pipeline/executions')[1].body
    );
    expect(sent).toEqual({
      PipelineParameters: [
        { Name: 'Tag', Value: 'third' },
        { Name: 'Scale', Value: '2' },
        { Name: 'MinScore', Value: '1' }
      ],
      PipelineExecutionDisplayName: 'from-the-form'
    });
    expect(model.selectedId).toBe('new1');
    expect(model.executions[0].PipelineExecutionId).toBe('new1');
    expect(model.steps).toEqual([]);
    expect(state.started).toHaveLength(1);

    // A step of the shown execution starts (recorded, then its event goes out): its node
    // is recoloured from the event, and the read that follows brings its job.
    state.byId['new1'].steps = [
      {
        ...step('good', 'Prep'),
        StepStatus: 'Executing',
        EndTime: null,
        JobName: 'Prep-new1'
      }
    ];
    server.broadcast({
      id: 2,
      time: Date.now() / 1000,
      kind: 'pipeline.step',
      payload: {
        execution_id: 'new1',
        pipeline: 'ui-pipeline',
        step: 'Prep',
        status: 'Executing'
      }
    });
    await until(
      () =>
        stateOf(model.steps.find(s => s.StepName === 'Prep')) === 'Executing',
      5000,
      'Prep executing'
    );
    expect(model.steps.find(s => s.StepName === 'Prep')?.StepType).toBe(
      'Processing'
    );
    await until(
      () =>
        model.steps.find(s => s.StepName === 'Prep')?.JobName === 'Prep-new1',
      5000,
      "the step's job"
    );
    // Another execution's step changes nothing shown.
    server.broadcast({
      id: 3,
      time: Date.now() / 1000,
      kind: 'pipeline.step',
      payload: {
        execution_id: GOOD.PipelineExecutionId,
        pipeline: 'ui-pipeline',
        step: 'Train',
        status: 'Failed'
      }
    });
    // The runner writes the store, then the event goes out.
    state.byId['new1'].execution = {
      ...state.byId['new1'].execution,
      PipelineExecutionStatus: 'Succeeded'
    };
    server.broadcast({
      id: 4,
      time: Date.now() / 1000,
      kind: 'pipeline.execution',
      payload: {
        execution_id: 'new1',
        pipeline: 'ui-pipeline',
        status: 'Succeeded'
      }
    });
    await until(
      () => model.execution?.PipelineExecutionStatus === 'Succeeded',
      5000,
      'the execution status'
    );
    expect(model.steps.some(s => s.StepName === 'Train')).toBe(false);
  });
});

describe('pipeline views', () => {
  beforeAll(() => {
    // jsdom lays nothing out: React Flow's size observer has nothing to observe.
    (globalThis as any).ResizeObserver ??= class {
      observe(): void {
        // nothing to measure in jsdom
      }
      unobserve(): void {
        // idem
      }
      disconnect(): void {
        // idem
      }
    };
  });
  beforeEach(() => {
    (globalThis as any).IS_REACT_ACT_ENVIRONMENT = false;
  });

  it('draws each step in its state; a click opens its job or shows a condition values', async () => {
    servePipeline();
    const model = track(new PipelineModel({ client, name: 'ui-pipeline' }));
    await model.start();
    const opened: LineageTarget[] = [];
    const { container, unmount } = render(
      <PipelineView model={model} onOpen={target => opened.push(target)} />
    );
    const view = within(container);
    const root = view.getByTestId('labstudio-pipeline-view');
    expect(root.dataset.executionStatus).toBe('Failed');
    await waitFor(() =>
      expect(view.getAllByTestId('labstudio-pipeline-node')).toHaveLength(5)
    );
    const node = (name: string) =>
      container.querySelector<HTMLElement>(
        `[data-testid="labstudio-pipeline-node"][data-step="${name}"]`
      )!;
    expect(node('Train').dataset.status).toBe('Succeeded');
    expect(node('ScoreTooLow').dataset.status).toBe('Failed');
    expect(node('ScoreTooLow').className).toContain('labstudio-step-failed');
    expect(view.getByTestId('labstudio-pipeline-failure').textContent).toBe(
      'The score is below 10.0'
    );

    fireEvent.click(node('Train'));
    expect(opened).toEqual([
      { kind: 'training-job', name: step('bad', 'Train').JobName }
    ]);
    await waitFor(() =>
      expect(view.getByTestId('labstudio-step-details').dataset.step).toBe(
        'Train'
      )
    );

    fireEvent.keyDown(node('CheckScore'), { key: 'Enter' });
    expect(opened).toHaveLength(1); // a condition opens no job
    const condition = await view.findByTestId('labstudio-step-condition');
    expect(condition.dataset.outcome).toBe('False');
    const row = within(condition).getByTestId('labstudio-condition-row');
    expect(row.dataset.outcome).toBe('false');
    expect(
      within(row).getByTestId('labstudio-condition-left').textContent
    ).toBe('3');
    expect(
      within(row).getByTestId('labstudio-condition-right').textContent
    ).toBe('10');

    // The good execution: the else branch never started.
    const rows = view.getAllByTestId('labstudio-pipeline-execution');
    expect(rows.map(r => r.dataset.status)).toEqual(['Failed', 'Succeeded']);
    expect(
      within(rows[1]).getByTestId('labstudio-pipeline-execution-params')
        .textContent
    ).toBe('Tag=second, Scale=1.0, MinScore=1.0');
    fireEvent.click(rows[1]);
    await waitFor(() => expect(root.dataset.executionStatus).toBe('Succeeded'));
    expect(node('ScoreTooLow').dataset.status).toBe('NotStarted');
    expect(node('Train').dataset.status).toBe('Succeeded');

    // Compare the two step by step.
    const ticks = view.getAllByTestId('labstudio-pipeline-execution-select');
    fireEvent.click(ticks[0]);
    fireEvent.click(ticks[1]);
    fireEvent.click(view.getByTestId('labstudio-pipeline-compare'));
    const comparison = await view.findByTestId('labstudio-pipeline-comparison');
    const differing = within(comparison)
      .getAllByTestId('labstudio-pipeline-compare-row')
      .filter(r => r.dataset.differs === 'true');
    expect(differing.map(r => r.dataset.step)).toEqual(['ScoreTooLow']);
    unmount();
  });

  it('the start form: fields from the parameters, an error under a bad value, Start sends', async () => {
    servePipeline();
    const model = track(new PipelineModel({ client, name: 'ui-pipeline' }));
    await model.start();
    const { container, unmount } = render(
      <PipelineView model={model} onOpen={() => undefined} />
    );
    const form = within(
      within(container).getByTestId('labstudio-pipeline-form')
    );
    const field = (name: string) =>
      container.querySelector<HTMLElement>(
        `[data-testid="labstudio-pipeline-param"][data-param="${name}"]`
      )!;
    expect(
      form.getAllByTestId('labstudio-pipeline-param').map(f => f.dataset.param)
    ).toEqual(['Tag', 'Scale', 'MinScore']);
    const scale = within(field('Scale')).getByTestId(
      'labstudio-pipeline-param-input'
    ) as HTMLInputElement;
    expect(scale.value).toBe('1');
    fireEvent.change(scale, { target: { value: 'lots' } });
    expect(
      within(field('Scale')).getByTestId('labstudio-pipeline-param-error')
        .textContent
    ).toBe('A number, such as 0.5.');
    expect(
      (form.getByTestId('labstudio-pipeline-start') as HTMLButtonElement)
        .disabled
    ).toBe(true);
    fireEvent.change(scale, { target: { value: '3' } });
    fireEvent.click(form.getByTestId('labstudio-pipeline-start'));
    await until(
      () =>
        requestsTo(server, 'POST', '/pipelines/ui-pipeline/executions')
          .length === 1,
      5000,
      'the start'
    );
    await waitFor(() =>
      expect(
        within(container).getByTestId('labstudio-pipeline-view').dataset
          .execution
      ).toBe('new1')
    );
    unmount();
  });

  it('the Pipelines section: each pipeline with its last status; a click opens it', async () => {
    servePipeline();
    const model = track(new PipelinesModel({ client }));
    await model.start();
    const opened: string[] = [];
    const { container, unmount } = render(
      <PipelinesView model={model} onOpen={name => opened.push(name)} />
    );
    const row = within(container).getByTestId('labstudio-pipeline-row');
    expect(row.dataset.pipeline).toBe('ui-pipeline');
    expect(row.dataset.status).toBe('Failed');
    fireEvent.click(row);
    expect(opened).toEqual(['ui-pipeline']);
    unmount();
  });
});
