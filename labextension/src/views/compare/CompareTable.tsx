/**
 * The comparison table: one row per run, virtualised (1,000 runs stay smooth), columns
 * for run attributes, parameters and metric summaries. Columns whose values differ are
 * marked, and a click on a header sorts by it (again: the other way).
 */
import * as React from 'react';

import { IRun } from '../../types';
import { formatMetric, StatusDot } from '../common/common';
import { MiddleEllipsis } from '../common/MiddleEllipsis';
import { columnWidths, IColumn, ISort } from './table';

const ROW = 26;
const OVERSCAN = 10;

export function CompareTable(props: {
  runs: IRun[];
  columns: IColumn[];
  sort: ISort | null;
  onSort: (sort: ISort) => void;
  colors?: Map<string, string>;
  height?: number;
}): JSX.Element {
  const { runs, columns, sort } = props;
  const [scrollTop, setScrollTop] = React.useState(0);
  const height = props.height ?? Math.min(420, ROW * (runs.length + 1) + 16);
  const first = Math.max(0, Math.floor(scrollTop / ROW) - OVERSCAN);
  const last = Math.min(
    runs.length,
    Math.ceil((scrollTop + height) / ROW) + OVERSCAN
  );
  // Widths from the text, fixed while scrolling: the browser never measures cell contents.
  const widths = React.useMemo(
    () => columnWidths(columns, runs),
    [columns, runs]
  );
  const width = widths.reduce((a, b) => a + b, 0);
  // Wider than the columns need: they share the room (the row spans the whole table).
  const template = widths.map(w => `minmax(${w}px, 1fr)`).join(' ');

  const header = (
    <div
      className="labstudio-ctable-row labstudio-ctable-header"
      style={{ gridTemplateColumns: template }}
      role="row"
    >
      {columns.map(c => {
        const active = sort?.column === c.id;
        return (
          <button
            key={c.id}
            role="columnheader"
            className={`labstudio-ctable-cell labstudio-ctable-th labstudio-group-${c.group} ${c.differs ? 'labstudio-diff-col' : ''} ${c.id === 'name' ? 'labstudio-ctable-sticky' : ''}`}
            data-testid="labstudio-compare-header"
            data-column={c.id}
            aria-sort={
              active ? (sort!.descending ? 'descending' : 'ascending') : 'none'
            }
            title={`${c.label}${c.differs ? ' (differs between runs)' : ''}: click to sort`}
            onClick={() =>
              props.onSort({
                column: c.id,
                descending: active
                  ? !sort!.descending
                  : c.group === 'metric'
                    ? false
                    : false
              })
            }
          >
            <MiddleEllipsis
              className="labstudio-ctable-label"
              text={c.label}
              title={`${c.label}${c.differs ? ' (differs between runs)' : ''}: click to sort`}
            />
            {active ? (sort!.descending ? ' ▼' : ' ▲') : ''}
          </button>
        );
      })}
    </div>
  );

  const rows: JSX.Element[] = [];
  for (let i = first; i < last; i++) {
    const run = runs[i];
    rows.push(
      <Row
        key={run.id}
        run={run}
        columns={columns}
        template={template}
        top={(i + 1) * ROW}
        color={props.colors?.get(run.id)}
      />
    );
  }

  return (
    <div
      className="labstudio-ctable"
      data-testid="labstudio-compare-table"
      role="table"
      aria-rowcount={runs.length + 1}
      style={{ height }}
      onScroll={e => setScrollTop((e.target as HTMLDivElement).scrollTop)}
    >
      <div
        className="labstudio-ctable-inner"
        style={{ height: (runs.length + 1) * ROW, minWidth: width }}
      >
        {header}
        {rows}
      </div>
    </div>
  );
}

/** One row; memoised, so scrolling only renders the rows that come into view. */
const Row = React.memo(function Row(props: {
  run: IRun;
  columns: IColumn[];
  template: string;
  top: number;
  color?: string;
}): JSX.Element {
  const { run, columns } = props;
  return (
    <div
      className="labstudio-ctable-row"
      role="row"
      data-testid="labstudio-compare-row"
      data-run-id={run.id}
      style={{
        gridTemplateColumns: props.template,
        top: props.top,
        height: ROW
      }}
    >
      {columns.map(c => {
        const v = c.value(run);
        return (
          <div
            key={c.id}
            role="cell"
            className={`labstudio-ctable-cell ${c.differs ? 'labstudio-diff' : ''} ${c.group === 'run' ? '' : 'labstudio-num'} ${c.id === 'name' ? 'labstudio-ctable-sticky' : ''}`}
            title={v === null ? '' : String(v)}
          >
            {c.id === 'name' ? (
              <>
                <span
                  className="labstudio-swatch"
                  style={{ background: props.color ?? 'transparent' }}
                />
                <MiddleEllipsis
                  className="labstudio-ctable-label"
                  testId="labstudio-compare-run-name"
                  text={String(v)}
                />
              </>
            ) : c.id === 'status' ? (
              <>
                <StatusDot status={run.status} /> {String(v)}
              </>
            ) : typeof v === 'number' ? (
              formatMetric(v, c.digits)
            ) : (
              (v ?? '–')
            )}
          </div>
        );
      })}
    </div>
  );
});
