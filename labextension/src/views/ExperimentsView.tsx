/**
 * The Experiments section: a search box (a run name, or a filter such as
 * `metrics.acc > 0.9`), sort and key-metric pickers, and a virtualised tree of
 * experiments and their runs with checkboxes (shift-click selects a range; an
 * experiment's own checkbox selects all its runs, loaded or not) and a "Compare" button.
 * The next page of a long list is read before it is scrolled to (`model.prefetch`).
 */
import * as React from 'react';

import {
  ExperimentsModel,
  RunSortKey,
  SEARCH
} from '../panel/experimentsModel';
import { IExperiment, IRun, toNumber } from '../types';
import { ICompareSelection } from '../panel/selection';
import { ErrorBox, formatMetric, plural, StatusDot } from './common/common';
import { MiddleEllipsis } from './common/MiddleEllipsis';
import { VirtualList } from './common/VirtualList';
import { JOB_KIND_NOUNS, jobOfRun } from './jobKinds';

export const EXPERIMENTS_EMPTY = 'No experiments yet.';

/** A run row's tooltip line naming its job and the job's kind ("" for a script's run). */
export function jobLine(run: IRun): string {
  const job = jobOfRun(run);
  return job ? `\n${JOB_KIND_NOUNS[job.kind]} ${job.name}` : '';
}
export const ROW_HEIGHT = 22;

type Row =
  | { kind: 'experiment'; exp: IExperiment; expanded: boolean }
  | { kind: 'run'; run: IRun; list: string; pos: number }
  | { kind: 'more'; list: string; shown: number; total: number | null }
  | { kind: 'note'; list: string; text: string };

export interface IExperimentsViewProps {
  model: ExperimentsModel;
  /** Show the search box above the tree (false: the host shows `RunSearch`). */
  showSearch?: boolean;
  onCompare: (selection: ICompareSelection) => void;
  onOpenRun: (run: IRun) => void;
}

export function ExperimentsView(props: IExperimentsViewProps): JSX.Element {
  const { model } = props;
  const rows = buildRows(model);
  const listErrors = runListErrors(model);
  const selected = model.selectedCount();
  const current = model.currentExperiment;
  const metrics = model.metricNames(current);
  // One key metric per experiment, worked out once per render (not once per row).
  const keyMetrics = new Map<string, string>();
  const keyMetricOf = (experiment: string) => {
    let metric = keyMetrics.get(experiment);
    if (metric === undefined) {
      metric = model.keyMetricFor(experiment);
      keyMetrics.set(experiment, metric);
    }
    return metric;
  };

  const toggle = (run: IRun, shift: boolean) => model.clickRun(run.id, shift);

  const onRowKey = (event: React.KeyboardEvent, index: number) => {
    const row = rows[index];
    if (!row) {
      return;
    }
    if (row.kind === 'experiment') {
      if (
        event.key === 'Enter' ||
        event.key === ' ' ||
        (event.key === 'ArrowRight' && !row.expanded) ||
        (event.key === 'ArrowLeft' && row.expanded)
      ) {
        event.preventDefault();
        model.toggleExpanded(row.exp.name);
      }
    } else if (row.kind === 'run') {
      if (event.key === ' ') {
        event.preventDefault();
        toggle(row.run, event.shiftKey);
      } else if (event.key === 'Enter') {
        event.preventDefault();
        props.onOpenRun(row.run);
      }
    } else if (
      row.kind === 'more' &&
      (event.key === 'Enter' || event.key === ' ')
    ) {
      event.preventDefault();
      void model.loadMore(row.list);
    }
  };

  return (
    <div className="labstudio-experiments" data-testid="labstudio-experiments">
      {props.showSearch !== false && <RunSearch model={model} />}
      <div className="labstudio-toolbar labstudio-compact-toolbar">
        <select
          className="jp-mod-styled labstudio-compact-select"
          data-testid="labstudio-run-sort"
          aria-label="Sort runs"
          title="Sort runs"
          value={`${model.sort.key}:${model.sort.descending ? 'desc' : 'asc'}`}
          onChange={e => {
            const [key, dir] = e.target.value.split(':');
            model.setSort({
              key: key as RunSortKey,
              descending: dir === 'desc'
            });
          }}
        >
          <option value="start_time:desc">Newest</option>
          <option value="start_time:asc">Oldest</option>
          <option value="name:asc">Name A–Z</option>
          <option value="name:desc">Name Z–A</option>
          <option value="status:asc">Status</option>
          <option value="metric:asc" disabled={!model.keyMetric}>
            Metric ↑
          </option>
          <option value="metric:desc" disabled={!model.keyMetric}>
            Metric ↓
          </option>
        </select>
        <select
          className="jp-mod-styled labstudio-compact-select"
          data-testid="labstudio-key-metric"
          data-experiment={current}
          title={
            current
              ? `The key metric of experiment “${current}” (remembered)`
              : 'The key metric shown beside each run'
          }
          aria-label={
            current ? `Key metric of experiment ${current}` : 'Key metric'
          }
          value={keyMetricOf(current)}
          onChange={e => model.setKeyMetric(e.target.value, current)}
        >
          <option value="">(no metric)</option>
          {metrics.map(m => (
            <option key={m} value={m}>
              {m}
            </option>
          ))}
        </select>
        <button
          className="labstudio-button labstudio-primary"
          data-testid="labstudio-compare"
          disabled={selected === 0}
          title={
            selected
              ? `Compare the ${plural(selected, 'selected run')}`
              : 'Select runs with their checkboxes (shift-click for a range, an experiment’s box for all its runs)'
          }
          onClick={() => props.onCompare(model.compareSelection())}
        >
          Compare{selected ? ` (${selected.toLocaleString()})` : ''}
        </button>
        {selected > 0 && (
          <button
            className="labstudio-button labstudio-icon-button"
            data-testid="labstudio-clear-selection"
            title="Clear the selection"
            aria-label="Clear the selection"
            onClick={() => model.clearSelection()}
          >
            ✕
          </button>
        )}
      </div>
      {listErrors.map(e => (
        // Above the tree, not in one of its fixed-height rows: a filter's error is often
        // longer than the sidebar is wide, and must wrap to be read.
        <div
          key={e.list}
          className="labstudio-list-error"
          data-testid="labstudio-run-list-error"
          role="alert"
        >
          {e.list !== SEARCH && <strong>{e.list}: </strong>}
          <span className="labstudio-error-message">{e.message}</span>
        </div>
      ))}
      {model.error ? (
        <ErrorBox error={model.error} onRetry={() => void model.refresh()} />
      ) : !model.loaded ? (
        <div className="labstudio-empty" data-testid="labstudio-loading">
          Loading experiments…
        </div>
      ) : model.experiments.length === 0 ? (
        <div
          className="labstudio-empty"
          data-testid="labstudio-experiments-empty"
        >
          <p>{EXPERIMENTS_EMPTY}</p>
          <p>
            Every training job gets a run; a script tracks one with{' '}
            <code>labstudio.Run(experiment_name=&quot;demo&quot;)</code>.
          </p>
        </div>
      ) : (
        <VirtualList
          items={rows}
          rowHeight={ROW_HEIGHT}
          className="labstudio-run-tree"
          testId="labstudio-run-tree"
          role="tree"
          ariaLabel="Experiments and runs"
          itemKey={rowKey}
          onRowKey={onRowKey}
          onRangeChange={(_, last) => {
            // read the next page of the list shown at the bottom before it is reached
            for (let i = Math.min(last, rows.length - 1); i >= 0; i--) {
              const row = rows[i];
              if (row.kind === 'run' || row.kind === 'more') {
                model.prefetch(
                  row.list,
                  row.kind === 'run' ? row.pos : row.shown
                );
                break;
              }
            }
          }}
          renderRow={(row, index, focused) => (
            <RowView
              row={row}
              index={index}
              focused={focused}
              model={model}
              keyMetricOf={keyMetricOf}
              onToggle={toggle}
              onOpenRun={props.onOpenRun}
            />
          )}
        />
      )}
    </div>
  );
}

/** The runs' search box: a run's name, or a filter such as `metrics.acc > 0.9`. */
export function RunSearch(props: { model: ExperimentsModel }): JSX.Element {
  const { model } = props;
  return (
    <input
      className="labstudio-search jp-mod-styled"
      data-testid="labstudio-run-search"
      type="search"
      placeholder="Runs: name, metrics.acc > 0.9"
      title="Filter runs by name, or by an expression such as metrics.acc > 0.9 and params.optimizer = 'adam'"
      aria-label="Filter runs by name or by a filter expression"
      value={model.search}
      onChange={e => model.setSearch(e.target.value)}
    />
  );
}

function RowView(props: {
  row: Row;
  index: number;
  focused: boolean;
  model: ExperimentsModel;
  keyMetricOf: (experiment: string) => string;
  onToggle: (run: IRun, shift: boolean) => void;
  onOpenRun: (run: IRun) => void;
}): JSX.Element {
  const { row, index, focused, model } = props;
  const common = { 'data-index': index, tabIndex: focused ? 0 : -1 };
  switch (row.kind) {
    case 'experiment':
      return (
        <div
          {...common}
          className="labstudio-exp-row"
          data-testid="labstudio-experiment-row"
          data-experiment={row.exp.name}
          role="treeitem"
          aria-expanded={row.expanded}
          onClick={() => model.toggleExpanded(row.exp.name)}
          title={row.exp.description || row.exp.name}
        >
          <span className="labstudio-caret" aria-hidden="true">
            {row.expanded ? '▾' : '▸'}
          </span>
          <SelectAll model={model} experiment={row.exp} />
          <MiddleEllipsis
            className="labstudio-exp-name"
            text={row.exp.name}
            title={row.exp.description || row.exp.name}
          />
          {row.exp.in_progress_count > 0 && <StatusDot status="InProgress" />}
          <span className="labstudio-count">
            {row.exp.run_count.toLocaleString()}
          </span>
        </div>
      );
    case 'run': {
      const { run } = row;
      const checked = model.isSelected(run);
      const keyMetric = props.keyMetricOf(run.experiment);
      const summary = keyMetric ? run.metrics[keyMetric] : undefined;
      return (
        <div
          {...common}
          className={`labstudio-run-row ${checked ? 'labstudio-selected' : ''} ${row.list === SEARCH ? '' : 'labstudio-indent'}`}
          data-testid="labstudio-run-row"
          data-run-id={run.id}
          data-run-name={run.name}
          data-status={run.status}
          role="treeitem"
          aria-selected={checked}
          onClick={e => props.onToggle(run, e.shiftKey)}
          onDoubleClick={() => props.onOpenRun(run)}
          title={`${run.name}\n${run.experiment}${jobLine(run)}\nDouble-click or Enter to open`}
        >
          <input
            type="checkbox"
            tabIndex={-1}
            checked={checked}
            aria-label={`Select ${run.name}`}
            data-testid="labstudio-run-checkbox"
            onClick={e => {
              e.stopPropagation();
              props.onToggle(run, e.shiftKey);
            }}
            onChange={() => undefined}
          />
          <StatusDot status={run.status} />
          <MiddleEllipsis
            className="labstudio-run-name"
            testId="labstudio-run-name"
            text={run.name}
          />
          {row.list === SEARCH && (
            <span className="labstudio-run-exp">{run.experiment}</span>
          )}
          <span
            className="labstudio-run-metric"
            data-testid="labstudio-run-metric"
            title={keyMetric}
          >
            {summary ? formatMetric(toNumber(summary.last)) : ''}
          </span>
        </div>
      );
    }
    case 'more':
      return <MoreRow common={common} row={row} model={model} />;
    default:
      return (
        <div
          {...common}
          className="labstudio-note-row labstudio-indent"
          role="treeitem"
          data-testid="labstudio-run-note"
        >
          {row.text}
        </div>
      );
  }
}

/**
 * An experiment's "select all" box: every run of it, loaded or not (a dash when some of
 * them were unticked since).
 */
function SelectAll(props: {
  model: ExperimentsModel;
  experiment: IExperiment;
}): JSX.Element {
  const { model, experiment } = props;
  const whole = model.selection.isWhole(experiment.name);
  const partly = model.selection.isPartlyWhole(experiment.name);
  const ref = React.useRef<HTMLInputElement>(null);
  React.useEffect(() => {
    if (ref.current) {
      ref.current.indeterminate = partly;
    }
  }, [partly]);
  const count = experiment.run_count;
  return (
    <input
      ref={ref}
      type="checkbox"
      tabIndex={-1}
      className="labstudio-select-all"
      data-testid="labstudio-experiment-select-all"
      checked={whole}
      disabled={count === 0}
      aria-label={`Select all ${plural(count, 'run')} of ${experiment.name}`}
      title={`Select all ${plural(count, 'run')} of ${experiment.name}, loaded or not`}
      onClick={e => {
        e.stopPropagation();
        model.selectExperiment(experiment.name, !(whole || partly));
      }}
      onChange={() => undefined}
    />
  );
}

/** "Load more": loads the next page by itself once scrolled into view (infinite scroll). */
function MoreRow(props: {
  common: { 'data-index': number; tabIndex: number };
  row: Extract<Row, { kind: 'more' }>;
  model: ExperimentsModel;
}): JSX.Element {
  const { row, model } = props;
  React.useEffect(() => {
    void model.loadMore(row.list);
  }, [model, row.list, row.shown]);
  return (
    <div
      {...props.common}
      className="labstudio-more-row labstudio-indent"
      role="treeitem"
      data-testid="labstudio-run-more"
    >
      <button
        className="labstudio-link"
        tabIndex={-1}
        onClick={() => void model.loadMore(row.list)}
      >
        Loading more… ({row.shown}
        {row.total !== null ? ` of ${row.total}` : ''})
      </button>
    </div>
  );
}

function rowKey(row: Row): string {
  switch (row.kind) {
    case 'experiment':
      return `e:${row.exp.id}`;
    case 'run':
      return `r:${row.list}:${row.run.id}`;
    default:
      return `${row.kind}:${row.list}`;
  }
}

/** The errors of the run lists shown (the search's, or the expanded experiments'). */
export function runListErrors(
  model: ExperimentsModel
): { list: string; message: string }[] {
  const keys = model.search.trim()
    ? [SEARCH]
    : model.experiments.filter(e => model.isExpanded(e.name)).map(e => e.name);
  return keys.flatMap(list => {
    const error = model.runList(list)?.error;
    return error ? [{ list, message: error.message }] : [];
  });
}

/** Flatten the tree (or the search result) into the rows shown (errors: `runListErrors`). */
export function buildRows(model: ExperimentsModel): Row[] {
  const rows: Row[] = [];
  const addList = (key: string) => {
    const list = model.runList(key);
    if (!list || (list.loading && list.runs.length === 0)) {
      rows.push({ kind: 'note', list: key, text: 'Loading runs…' });
      return;
    }
    list.runs.forEach((run, pos) =>
      rows.push({ kind: 'run', run, list: key, pos })
    );
    if (!list.error && list.runs.length === 0) {
      rows.push({
        kind: 'note',
        list: key,
        text:
          key === SEARCH
            ? `No runs match “${model.search.trim()}”.`
            : 'No runs in this experiment yet.'
      });
    }
    if (list.nextToken) {
      rows.push({
        kind: 'more',
        list: key,
        shown: list.runs.length,
        total: list.total
      });
    }
  };
  if (model.search.trim()) {
    addList(SEARCH);
    return rows;
  }
  for (const exp of model.experiments) {
    const expanded = model.isExpanded(exp.name);
    rows.push({ kind: 'experiment', exp, expanded });
    if (expanded) {
      addList(exp.name);
    }
  }
  return rows;
}
