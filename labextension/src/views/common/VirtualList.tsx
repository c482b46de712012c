/**
 * A virtualised list of fixed-height rows: only the rows in view (plus `overscan`) are
 * in the DOM, so 10,000 runs scroll as smoothly as 10. Keyboard: the container handles
 * ArrowUp/ArrowDown/Home/End/PageUp/PageDown and moves a roving focus through the rows
 * (the row element with `data-index` gets the focus).
 */
import * as React from 'react';

export interface IVirtualListProps<T> {
  items: readonly T[];
  rowHeight: number;
  renderRow: (item: T, index: number, focused: boolean) => JSX.Element;
  /** A stable key per item. */
  itemKey: (item: T, index: number) => string;
  overscan?: number;
  className?: string;
  testId?: string;
  role?: string;
  ariaLabel?: string;
  /** Keys other than navigation, with the focused index (e.g. Enter, Space). */
  onRowKey?: (event: React.KeyboardEvent, index: number) => void;
  /** Height used before the container is measured (jsdom has no layout). */
  fallbackHeight?: number;
  /** The rows in view changed (first and last index shown): e.g. to read ahead. */
  onRangeChange?: (first: number, last: number) => void;
}

export function VirtualList<T>(props: IVirtualListProps<T>): JSX.Element {
  const { items, rowHeight, overscan = 8 } = props;
  const ref = React.useRef<HTMLDivElement>(null);
  const [scrollTop, setScrollTop] = React.useState(0);
  const [height, setHeight] = React.useState(0);
  const [focus, setFocus] = React.useState(0);
  const focusPending = React.useRef(false);

  React.useLayoutEffect(() => {
    const node = ref.current;
    if (!node) {
      return;
    }
    setHeight(node.clientHeight);
    if (typeof ResizeObserver === 'undefined') {
      return;
    }
    const observer = new ResizeObserver(() => setHeight(node.clientHeight));
    observer.observe(node);
    return () => observer.disconnect();
  }, []);

  const viewHeight = height || props.fallbackHeight || 800;
  const first = Math.max(0, Math.floor(scrollTop / rowHeight) - overscan);
  const last = Math.min(
    items.length,
    Math.ceil((scrollTop + viewHeight) / rowHeight) + overscan
  );
  const focused = Math.min(focus, Math.max(0, items.length - 1));
  const visibleFirst = Math.floor(scrollTop / rowHeight);
  const visibleLast = Math.min(
    items.length - 1,
    Math.ceil((scrollTop + viewHeight) / rowHeight)
  );
  const onRangeChange = props.onRangeChange;
  React.useEffect(() => {
    onRangeChange?.(visibleFirst, visibleLast);
    // eslint-disable-next-line react-hooks/exhaustive-deps -- a new closure each render: the range (and the rows' count) say when to call
  }, [visibleFirst, visibleLast, items.length]);

  React.useEffect(() => {
    if (!focusPending.current) {
      return;
    }
    focusPending.current = false;
    const row = ref.current?.querySelector<HTMLElement>(
      `[data-index="${focused}"]`
    );
    row?.focus({ preventScroll: true });
  });

  const moveTo = (index: number) => {
    const node = ref.current;
    const target = Math.max(0, Math.min(items.length - 1, index));
    if (node) {
      const top = target * rowHeight;
      if (top < node.scrollTop) {
        node.scrollTop = top;
      } else if (top + rowHeight > node.scrollTop + viewHeight) {
        node.scrollTop = top + rowHeight - viewHeight;
      }
      setScrollTop(node.scrollTop);
    }
    focusPending.current = true;
    setFocus(target);
  };

  const onKeyDown = (event: React.KeyboardEvent) => {
    const page = Math.max(1, Math.floor(viewHeight / rowHeight) - 1);
    const moves: Record<string, number> = {
      ArrowDown: focused + 1,
      ArrowUp: focused - 1,
      Home: 0,
      End: items.length - 1,
      PageDown: focused + page,
      PageUp: focused - page
    };
    if (event.key in moves && !event.altKey) {
      event.preventDefault();
      moveTo(moves[event.key]);
      return;
    }
    props.onRowKey?.(event, focused);
  };

  const rows: JSX.Element[] = [];
  for (let i = first; i < last; i++) {
    rows.push(
      <div
        key={props.itemKey(items[i], i)}
        className="labstudio-vrow"
        style={{ top: i * rowHeight, height: rowHeight }}
        onFocus={() => focused !== i && setFocus(i)}
      >
        {props.renderRow(items[i], i, i === focused)}
      </div>
    );
  }

  return (
    <div
      ref={ref}
      className={`labstudio-vlist ${props.className ?? ''}`}
      data-testid={props.testId}
      role={props.role}
      aria-label={props.ariaLabel}
      onScroll={e => setScrollTop((e.target as HTMLDivElement).scrollTop)}
      onKeyDown={onKeyDown}
    >
      <div
        className="labstudio-vlist-spacer"
        style={{ height: items.length * rowHeight }}
      >
        {rows}
      </div>
    </div>
  );
}
