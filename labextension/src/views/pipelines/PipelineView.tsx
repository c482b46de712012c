/**
 * A pipeline's view (main area): its DAG drawn with React Flow where ELK laid it out, each
 * step coloured by its state in the shown execution and recoloured live; a click on a step
 * opens its job's view (or the version a RegisterModel step created) and its details (a
 * condition's evaluated values, a failure, a cache hit); a start form built from the
 * parameters; the executions with their parameters and durations; two of them compared
 * step by step. Pure view: the state is `PipelineModel`'s.
 */
import { Edge, MarkerType, Node, NodeProps } from '@xyflow/react';
import * as React from 'react';

import { IPipelineExecutionStep, IPipelineGraphNode } from '../../types';
import { ErrorBox, useTick } from '../common/common';
import { useModel } from '../common/useModel';
import { formatDuration, formatTime } from '../format';
import { chooseLayout, NODE_HEIGHT, NODE_WIDTH } from '../graph/layout';
import { GraphCanvas, NodeHandles, useElementSize } from '../graph/GraphCanvas';
import { LineageTarget } from '../lineage/lineageData';
import { StatusBadge } from '../StatusBadge';
import {
  executionDuration,
  isActiveStep,
  operandText,
  parameterText,
  stateClass,
  stateOf,
  StepState,
  stepDuration,
  stepsByName,
  stepTarget,
  stepTypeLabel
} from './pipelineData';
import { PipelineModel } from './pipelineModel';

export interface IPipelineViewProps {
  model: PipelineModel;
  /** Open what a step stands for (its job, a registered version). */
  onOpen: (target: LineageTarget) => void;
}

interface IStepNodeData extends Record<string, unknown> {
  node: IPipelineGraphNode;
  state: StepState;
  step: IPipelineExecutionStep | undefined;
  target: LineageTarget | null;
  selected: boolean;
  vertical: boolean;
  now: number;
  onSelect: (name: string) => void;
}

type StepFlowNode = Node<IStepNodeData, 'step'>;

const NODE_TYPES = { step: StepNodeView };

export function PipelineView(props: IPipelineViewProps): JSX.Element {
  const model = useModel(props.model);
  const { onOpen } = props;
  const { pipeline, graph, execution, error } = model;
  const running =
    execution?.PipelineExecutionStatus === 'Executing' ||
    execution?.PipelineExecutionStatus === 'Stopping';
  useTick(running ? 1000 : 0);
  const now = Date.now();
  const [canvas, size] = useElementSize();
  const layout = chooseLayout(model.layouts, size.width, size.height);
  const steps = React.useMemo(() => stepsByName(model.steps), [model.steps]);
  const selected = model.selectedStep;

  const select = React.useCallback(
    (name: string) => {
      model.selectStep(name);
      const target = stepTarget(model.steps.find(s => s.StepName === name));
      if (target) {
        onOpen(target);
      }
    },
    [model, onOpen]
  );

  const nodes = React.useMemo<StepFlowNode[]>(() => {
    if (!graph || !layout) {
      return [];
    }
    return graph.Nodes.map(node => {
      const step = steps.get(node.Name);
      return {
        id: node.Name,
        type: 'step',
        position: layout.positions.get(node.Name) ?? { x: 0, y: 0 },
        width: NODE_WIDTH,
        height: NODE_HEIGHT,
        draggable: false,
        connectable: false,
        data: {
          node,
          state: stateOf(step),
          step,
          target: stepTarget(step),
          selected: node.Name === selected,
          vertical: layout.direction === 'DOWN',
          now,
          onSelect: select
        }
      };
    });
    // `now` only matters while a step runs; the tick re-renders then.
  }, [graph, layout, steps, selected, select, now]);

  const edges = React.useMemo<Edge[]>(
    () =>
      graph && layout
        ? graph.Edges.map((e, i) => ({
            id: `${i}:${e.Source}>${e.Target}`,
            source: e.Source,
            target: e.Target,
            label:
              e.Kind === 'IfSteps'
                ? 'if true'
                : e.Kind === 'ElseSteps'
                  ? 'else'
                  : undefined,
            className: `labstudio-pipeline-edge labstudio-pipeline-edge-${e.Kind}`,
            markerEnd: { type: MarkerType.ArrowClosed, width: 16, height: 16 },
            animated: isActiveStep(stateOf(steps.get(e.Target)))
          }))
        : [],
    [graph, layout, steps]
  );

  const states = graph ? graph.Nodes.map(n => stateOf(steps.get(n.Name))) : [];
  return (
    <div
      className="labstudio-main labstudio-pipeline-view"
      data-testid="labstudio-pipeline-view"
      data-pipeline={model.name}
      data-execution={model.selectedId ?? ''}
      data-execution-status={execution?.PipelineExecutionStatus ?? ''}
      data-nodes={graph && layout ? graph.Nodes.length : ''}
    >
      <div className="labstudio-detail-header">
        <h2 className="labstudio-detail-title">{model.name}</h2>
        {execution && (
          <StatusBadge
            status={execution.PipelineExecutionStatus}
            title={execution.FailureReason ?? undefined}
          />
        )}
        {execution && (
          <span
            className="labstudio-hint"
            data-testid="labstudio-pipeline-shown"
          >
            {execution.PipelineExecutionDisplayName}
            {model.following ? ' (newest)' : ''}
          </span>
        )}
        <span className="labstudio-spacer" />
        {running && (
          <button
            className="labstudio-button"
            data-testid="labstudio-pipeline-stop"
            disabled={
              model.stopping ||
              execution?.PipelineExecutionStatus === 'Stopping'
            }
            onClick={() => void model.stopExecution()}
          >
            Stop
          </button>
        )}
        <button
          className="labstudio-button"
          data-testid="labstudio-pipeline-refresh"
          disabled={model.loading}
          onClick={() => void model.reload()}
        >
          Refresh
        </button>
      </div>
      {pipeline?.PipelineDescription && (
        <div className="labstudio-hint">{pipeline.PipelineDescription}</div>
      )}
      {error && <ErrorBox error={error} onRetry={() => void model.reload()} />}
      {execution?.FailureReason && (
        <div
          className="labstudio-error-message"
          data-testid="labstudio-pipeline-failure"
          role="alert"
        >
          {execution.FailureReason}
        </div>
      )}
      <Legend states={states} />
      <div className="labstudio-pipeline-main">
        {!graph || !layout ? (
          !error && <div className="labstudio-empty">Reading the pipeline…</div>
        ) : (
          <GraphCanvas
            measure={canvas}
            className="labstudio-pipeline-canvas"
            testId="labstudio-pipeline-canvas"
            flowKey={`${model.name}:${layout.direction}:${graph.Nodes.length}`}
            nodes={nodes}
            edges={edges}
            nodeTypes={NODE_TYPES}
            onNodeClick={node => select(node.id)}
          />
        )}
        {selected && (
          <StepDetails
            name={selected}
            node={graph?.Nodes.find(n => n.Name === selected)}
            step={steps.get(selected)}
            now={now}
            onOpen={onOpen}
            onClose={() => model.selectStep(null)}
          />
        )}
      </div>
      <StartForm model={model} />
      <Executions model={model} now={now} />
      {model.comparison && <Comparison model={model} />}
    </div>
  );
}

/** One step: its type, its name, its state (and how long, or "cached"). */
function StepNodeView(props: NodeProps<StepFlowNode>): JSX.Element {
  const { node, state, step, target, selected, vertical, now, onSelect } =
    props.data;
  const duration = stepDuration(step, now);
  const cached = !!step?.CacheHitResult;
  return (
    <div
      className={`labstudio-graph-node labstudio-graph-node-opens labstudio-pipeline-node labstudio-step-${stateClass(state)} ${selected ? 'labstudio-graph-node-marked labstudio-pipeline-selected' : ''} ${target ? 'labstudio-pipeline-opens' : ''}`}
      data-testid="labstudio-pipeline-node"
      data-step={node.Name}
      data-type={node.Type}
      data-status={state}
      data-cached={cached ? 'true' : 'false'}
      title={
        step?.FailureReason ??
        `${stepTypeLabel(node.Type)} ${node.Name}: ${state}`
      }
      style={{ width: NODE_WIDTH, height: NODE_HEIGHT }}
      role="button"
      tabIndex={0}
      onKeyDown={e => {
        if (e.key === 'Enter' || e.key === ' ') {
          e.preventDefault();
          onSelect(node.Name);
        }
      }}
    >
      <NodeHandles vertical={vertical}>
        <div className="labstudio-graph-node-type">
          {stepTypeLabel(node.Type)}
          {node.Branch ? ` · ${node.Branch === 'IfSteps' ? 'if' : 'else'}` : ''}
        </div>
        <div className="labstudio-graph-node-title">
          {node.DisplayName || node.Name}
        </div>
        <div className="labstudio-graph-node-subtitle">
          {stateWords(state)}
          {cached
            ? ' · cached'
            : duration !== null
              ? ` · ${formatDuration(duration)}`
              : ''}
        </div>
      </NodeHandles>
    </div>
  );
}

function stateWords(state: StepState): string {
  return state === 'NotStarted' ? 'Not started' : state;
}

const LEGEND: StepState[] = [
  'NotStarted',
  'Executing',
  'Succeeded',
  'Failed',
  'Stopped'
];

function Legend(props: { states: StepState[] }): JSX.Element {
  return (
    <div className="labstudio-pipeline-legend" aria-hidden="true">
      {LEGEND.map(state => (
        <span key={state} className="labstudio-pipeline-legend-item">
          <span
            className={`labstudio-pipeline-swatch labstudio-step-${stateClass(state)}`}
          />
          {stateWords(state)} ({props.states.filter(s => s === state).length})
        </span>
      ))}
    </div>
  );
}

/** A step's details: times, its job, a cache hit, a failure, a condition's values. */
function StepDetails(props: {
  name: string;
  node: IPipelineGraphNode | undefined;
  step: IPipelineExecutionStep | undefined;
  now: number;
  onOpen: (target: LineageTarget) => void;
  onClose: () => void;
}): JSX.Element {
  const { name, node, step, now, onOpen } = props;
  const target = stepTarget(step);
  const duration = stepDuration(step, now);
  const conditions = step?.EvaluatedConditions ?? [];
  return (
    <aside
      className="labstudio-pipeline-details"
      data-testid="labstudio-step-details"
      data-step={name}
    >
      <div className="labstudio-detail-header">
        <h3 className="labstudio-detail-title">{name}</h3>
        <span className="labstudio-spacer" />
        <button
          className="labstudio-button"
          title="Close the step's details"
          onClick={props.onClose}
        >
          ×
        </button>
      </div>
      <dl className="labstudio-pipeline-facts">
        <dt>Type</dt>
        <dd>{stepTypeLabel(node?.Type ?? step?.StepType ?? '')}</dd>
        <dt>Status</dt>
        <dd data-testid="labstudio-step-status">{stateWords(stateOf(step))}</dd>
        {step && (
          <>
            <dt>Started</dt>
            <dd>{formatTime(step.StartTime)}</dd>
            <dt>Duration</dt>
            <dd>{duration === null ? '–' : formatDuration(duration)}</dd>
            <dt>Attempts</dt>
            <dd>{step.AttemptCount}</dd>
          </>
        )}
        {step?.CacheHitResult && (
          <>
            <dt>Cache hit</dt>
            <dd data-testid="labstudio-step-cache">
              outputs of {step.CacheHitResult.SourcePipelineExecutionArn}
            </dd>
          </>
        )}
        {step?.FailureReason && (
          <>
            <dt>Failure</dt>
            <dd className="labstudio-error-message">{step.FailureReason}</dd>
          </>
        )}
      </dl>
      {target && (
        <button
          className="labstudio-button labstudio-primary"
          data-testid="labstudio-step-open"
          onClick={() => onOpen(target)}
        >
          {target.kind === 'model-package'
            ? `Open ${target.group} v${target.version}`
            : `Open job ${'name' in target ? target.name : ''}`}
        </button>
      )}
      {step?.Metadata.Condition && (
        <div
          className="labstudio-pipeline-condition"
          data-testid="labstudio-step-condition"
          data-outcome={step.Metadata.Condition.Outcome}
        >
          <p>
            The conditions came out{' '}
            <strong>
              {step.Metadata.Condition.Outcome === 'True' ? 'true' : 'false'}
            </strong>
            : the {step.Metadata.Condition.Outcome === 'True' ? 'if' : 'else'}{' '}
            branch ran.
          </p>
          {conditions.length > 0 && (
            <table className="labstudio-pipeline-table">
              <thead>
                <tr>
                  <th>Condition</th>
                  <th>Left</th>
                  <th>Right / values</th>
                  <th>Outcome</th>
                </tr>
              </thead>
              <tbody>
                {conditions.map(c => (
                  <tr
                    key={c.Field}
                    data-testid="labstudio-condition-row"
                    data-outcome={c.Outcome ? 'true' : 'false'}
                    title={c.Field}
                  >
                    <td>{c.Type}</td>
                    <td data-testid="labstudio-condition-left">
                      {operandText(c.LeftValue ?? c.QueryValue)}
                    </td>
                    <td data-testid="labstudio-condition-right">
                      {c.Values
                        ? c.Values.map(operandText).join(', ')
                        : operandText(c.RightValue)}
                    </td>
                    <td>{c.Outcome ? 'true' : 'false'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </div>
      )}
      {step?.Metadata.Fail && (
        <p data-testid="labstudio-step-fail">
          {step.Metadata.Fail.ErrorMessage}
        </p>
      )}
      {!step && (
        <p className="labstudio-empty">
          This step has not started in the execution shown.
        </p>
      )}
    </aside>
  );
}

/** The start form: one field per parameter (its default first), checked as it is typed. */
function StartForm(props: { model: PipelineModel }): JSX.Element | null {
  const { model } = props;
  const parameters = model.pipeline?.Parameters;
  if (!parameters) {
    return null;
  }
  const errors = model.formErrors;
  const startError = model.startError;
  return (
    <form
      className="labstudio-pipeline-form"
      data-testid="labstudio-pipeline-form"
      onSubmit={e => {
        e.preventDefault();
        void model.startExecution();
      }}
    >
      <h3>Start an execution</h3>
      <div className="labstudio-pipeline-fields">
        {parameters.map(p => {
          const error =
            errors[p.Name] ??
            (startError?.field?.endsWith(p.Name) ? startError.message : null);
          return (
            <label
              key={p.Name}
              className="labstudio-pipeline-field"
              data-testid="labstudio-pipeline-param"
              data-param={p.Name}
            >
              <span>
                {p.Name} <small>({p.Type})</small>
              </span>
              {p.EnumValues ? (
                <select
                  className="jp-mod-styled"
                  value={model.values[p.Name] ?? ''}
                  onChange={e => model.setValue(p.Name, e.target.value)}
                >
                  {p.EnumValues.map(v => (
                    <option key={v} value={v}>
                      {v}
                    </option>
                  ))}
                </select>
              ) : p.Type === 'Boolean' ? (
                <select
                  className="jp-mod-styled"
                  value={model.values[p.Name] ?? ''}
                  onChange={e => model.setValue(p.Name, e.target.value)}
                >
                  <option value="true">true</option>
                  <option value="false">false</option>
                </select>
              ) : (
                <input
                  className="jp-mod-styled"
                  data-testid="labstudio-pipeline-param-input"
                  inputMode={p.Type === 'String' ? 'text' : 'decimal'}
                  value={model.values[p.Name] ?? ''}
                  placeholder={
                    p.DefaultValue === null ? '' : String(p.DefaultValue)
                  }
                  onChange={e => model.setValue(p.Name, e.target.value)}
                />
              )}
              {error && (
                <span
                  className="labstudio-field-error"
                  data-testid="labstudio-pipeline-param-error"
                >
                  {error}
                </span>
              )}
            </label>
          );
        })}
        <label className="labstudio-pipeline-field">
          <span>Display name</span>
          <input
            className="jp-mod-styled"
            data-testid="labstudio-pipeline-display-name"
            value={model.displayName}
            placeholder="optional"
            onChange={e => model.setDisplayName(e.target.value)}
          />
        </label>
      </div>
      {startError &&
        !parameters.some(p => startError.field?.endsWith(p.Name)) && (
          <ErrorBox error={startError} />
        )}
      <div className="labstudio-form-actions">
        <button
          type="submit"
          className="labstudio-button labstudio-primary"
          data-testid="labstudio-pipeline-start"
          disabled={model.starting || Object.keys(errors).length > 0}
        >
          {model.starting ? 'Starting…' : 'Start'}
        </button>
        <button
          type="button"
          className="labstudio-button"
          onClick={() => model.resetForm()}
        >
          Defaults
        </button>
      </div>
    </form>
  );
}

/** The executions, newest first: a click shows one on the DAG; two ticked compare. */
function Executions(props: { model: PipelineModel; now: number }): JSX.Element {
  const { model, now } = props;
  const parameters = model.pipeline?.Parameters ?? [];
  return (
    <div className="labstudio-pipeline-executions">
      <div className="labstudio-detail-header">
        <h3>Executions</h3>
        <span className="labstudio-spacer" />
        <button
          className="labstudio-button"
          data-testid="labstudio-pipeline-compare"
          disabled={model.compareIds.length !== 2}
          title="Tick two executions to compare them step by step"
          onClick={() => void model.compare()}
        >
          Compare
        </button>
      </div>
      {model.executions.length === 0 ? (
        <div
          className="labstudio-empty"
          data-testid="labstudio-pipeline-no-executions"
        >
          Not run yet: start an execution above.
        </div>
      ) : (
        <table className="labstudio-pipeline-table">
          <thead>
            <tr>
              <th aria-label="Compare" />
              <th>Execution</th>
              <th>Status</th>
              <th>Started</th>
              <th>Duration</th>
              <th>Parameters</th>
            </tr>
          </thead>
          <tbody>
            {model.executions.map(e => {
              const id = e.PipelineExecutionId;
              const duration = executionDuration(e, now);
              return (
                <tr
                  key={id}
                  className={`labstudio-pipeline-execution ${id === model.selectedId ? 'labstudio-selected' : ''}`}
                  data-testid="labstudio-pipeline-execution"
                  data-execution={id}
                  data-status={e.PipelineExecutionStatus}
                  onClick={() => void model.selectExecution(id)}
                >
                  <td onClick={ev => ev.stopPropagation()}>
                    <input
                      type="checkbox"
                      data-testid="labstudio-pipeline-execution-select"
                      aria-label={`Compare ${e.PipelineExecutionDisplayName}`}
                      checked={model.compareIds.includes(id)}
                      onChange={() => model.toggleCompare(id)}
                    />
                  </td>
                  <td title={e.PipelineExecutionArn}>
                    {e.PipelineExecutionDisplayName}
                  </td>
                  <td>
                    <StatusBadge
                      status={e.PipelineExecutionStatus}
                      title={e.PipelineExecutionFailureReason ?? undefined}
                    />
                  </td>
                  <td>{formatTime(e.StartTime)}</td>
                  <td data-testid="labstudio-pipeline-execution-duration">
                    {duration === null ? '–' : formatDuration(duration)}
                  </td>
                  <td data-testid="labstudio-pipeline-execution-params">
                    {parameterText(e, parameters)}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </div>
  );
}

/** Two executions step by step: state, duration, cache use; what differs is marked. */
function Comparison(props: { model: PipelineModel }): JSX.Element {
  const { model } = props;
  const rows = model.comparison ?? [];
  const label = (id: string) =>
    model.executions.find(e => e.PipelineExecutionId === id)
      ?.PipelineExecutionDisplayName ?? id;
  const [a, b] = model.comparedIds;
  const cell = (i: 0 | 1, row: (typeof rows)[number]) => (
    <td
      data-testid="labstudio-pipeline-compare-cell"
      data-status={row.states[i]}
    >
      <span
        className={`labstudio-pipeline-swatch labstudio-step-${stateClass(row.states[i])}`}
      />{' '}
      {stateWords(row.states[i])}
      {row.cached[i]
        ? ' · cached'
        : row.durations[i] !== null
          ? ` · ${formatDuration(row.durations[i] as number)}`
          : ''}
    </td>
  );
  return (
    <div
      className="labstudio-pipeline-comparison"
      data-testid="labstudio-pipeline-comparison"
      data-executions={model.comparedIds.join(',')}
    >
      <div className="labstudio-detail-header">
        <h3>Compared step by step</h3>
        <span className="labstudio-spacer" />
        <button
          className="labstudio-button"
          onClick={() => model.closeComparison()}
        >
          Close
        </button>
      </div>
      <table className="labstudio-pipeline-table">
        <thead>
          <tr>
            <th>Step</th>
            <th>{label(a)}</th>
            <th>{label(b)}</th>
          </tr>
        </thead>
        <tbody>
          {rows.map(row => (
            <tr
              key={row.step}
              data-testid="labstudio-pipeline-compare-row"
              data-step={row.step}
              data-differs={row.differs ? 'true' : 'false'}
              className={row.differs ? 'labstudio-differs' : ''}
            >
              <td>
                {row.step} <small>{stepTypeLabel(row.type)}</small>
              </td>
              {cell(0, row)}
              {cell(1, row)}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
