/**
 * The comparison table: one row per run, virtualised (thousands of runs stay smooth),
 * columns for run attributes, parameters and metric summaries. Columns whose values
 * differ are marked, and a click on a header sorts by it (again: the other way).
 *
 * Readable at any width: every header shows its whole name (it wraps), a column is as
 * wide as its values (drag a header's right edge to change it), numbers print to a few
 * significant digits with the full value on hover, the header stays at the top and the
 * run's name at the left while the rest scrolls both ways.
 */
import * as React from 'react';

import { IRun } from '../../types';
import { StatusDot } from '../common/common';
import { MiddleEllipsis } from '../common/MiddleEllipsis';
import { cellText, columnWidths, IColumn, ISort } from './table';

const ROW = 26;
const OVERSCAN = 10;

export function CompareTable(props: {
  runs: IRun[];
  columns: IColumn[];
  sort: ISort | null;
  onSort: (sort: ISort) => void;
  colors?: Map<string, string>;
  height?: number;
  /** Widths the user dragged, by column id (px). */
  widths?: Readonly<Record<string, number>>;
  /** A header's edge was dragged to `width` px. */
  onResize?: (column: string, width: number) => void;
  /** The run highlighted (under the cursor in the chart). */
  highlighted?: string | null;
}): JSX.Element {
  const { runs, columns, sort } = props;
  const [scrollTop, setScrollTop] = React.useState(0);
  const header = React.useRef<HTMLDivElement>(null);
  const [headerHeight, setHeaderHeight] = React.useState(ROW);
  const height =
    props.height ?? Math.min(420, ROW * runs.length + headerHeight + 16);
  const bodyTop = Math.max(0, scrollTop - headerHeight);
  const first = Math.max(0, Math.floor(bodyTop / ROW) - OVERSCAN);
  const last = Math.min(
    runs.length,
    Math.ceil((bodyTop + height) / ROW) + OVERSCAN
  );
  // Widths from the text, fixed while scrolling: the browser never measures cell contents.
  const measured = React.useMemo(
    () => columnWidths(columns, runs),
    [columns, runs]
  );
  const widths = columns.map((c, i) => props.widths?.[c.id] ?? measured[i]);
  const width = widths.reduce((a, b) => a + b, 0);
  // Wider than the columns need: they share the room (the rows span the whole table).
  const template = widths.map(w => `minmax(${w}px, 1fr)`).join(' ');

  React.useLayoutEffect(() => {
    const node = header.current;
    if (!node) {
      return;
    }
    const measure = () => setHeaderHeight(node.offsetHeight || ROW);
    measure();
    if (typeof ResizeObserver === 'undefined') {
      return;
    }
    const observer = new ResizeObserver(measure);
    observer.observe(node);
    return () => observer.disconnect();
  }, []);

  const startResize = (
    event: React.PointerEvent,
    column: string,
    from: number
  ) => {
    event.preventDefault();
    event.stopPropagation();
    const x0 = event.clientX;
    const move = (e: PointerEvent) =>
      props.onResize?.(column, from + e.clientX - x0);
    const up = () => {
      window.removeEventListener('pointermove', move);
      window.removeEventListener('pointerup', up);
    };
    window.addEventListener('pointermove', move);
    window.addEventListener('pointerup', up);
  };

  const rows: JSX.Element[] = [];
  for (let i = first; i < last; i++) {
    const run = runs[i];
    rows.push(
      <Row
        key={run.id}
        run={run}
        columns={columns}
        template={template}
        top={i * ROW}
        color={props.colors?.get(run.id)}
        highlighted={props.highlighted === run.id}
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
      <div className="labstudio-ctable-inner" style={{ minWidth: width }}>
        <div
          ref={header}
          className="labstudio-ctable-row labstudio-ctable-header"
          style={{ gridTemplateColumns: template }}
          role="row"
        >
          {columns.map((c, i) => {
            const active = sort?.column === c.id;
            const label = `${c.label}${c.differs ? ' (differs between runs)' : ''}: click to sort`;
            return (
              <div
                key={c.id}
                role="columnheader"
                className={`labstudio-ctable-cell labstudio-ctable-th labstudio-group-${c.group} ${c.differs ? 'labstudio-diff-col' : ''} ${c.id === 'name' ? 'labstudio-ctable-sticky' : ''}`}
                data-testid="labstudio-compare-header"
                data-column={c.id}
                aria-sort={
                  active
                    ? sort!.descending
                      ? 'descending'
                      : 'ascending'
                    : 'none'
                }
                title={label}
                tabIndex={0}
                onClick={() =>
                  props.onSort({
                    column: c.id,
                    descending: active ? !sort!.descending : false
                  })
                }
                onKeyDown={e => {
                  if (e.key === 'Enter' || e.key === ' ') {
                    e.preventDefault();
                    props.onSort({
                      column: c.id,
                      descending: active ? !sort!.descending : false
                    });
                  }
                }}
              >
                <span
                  className="labstudio-ctable-label"
                  data-testid="labstudio-compare-header-label"
                >
                  {c.label}
                  {active ? (sort!.descending ? ' ▼' : ' ▲') : ''}
                </span>
                {props.onResize && (
                  <span
                    className="labstudio-ctable-resize"
                    data-testid="labstudio-compare-resize"
                    role="separator"
                    aria-orientation="vertical"
                    aria-label={`Resize the column ${c.label}`}
                    title="Drag to resize the column"
                    onClick={e => e.stopPropagation()}
                    onPointerDown={e => startResize(e, c.id, widths[i])}
                  />
                )}
              </div>
            );
          })}
        </div>
        <div
          className="labstudio-ctable-body"
          style={{ height: runs.length * ROW }}
        >
          {rows}
        </div>
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
  highlighted?: boolean;
}): JSX.Element {
  const { run, columns } = props;
  return (
    <div
      className={`labstudio-ctable-row ${props.highlighted ? 'labstudio-highlighted' : ''}`}
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
            ) : (
              cellText(c, v)
            )}
          </div>
        );
      })}
    </div>
  );
});
