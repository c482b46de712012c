/**
 * A name cut in the middle to the width it is given (`train-2026-…-02-13-45-123`), with
 * the full name on hover. It re-fits when its box is resized (sidebar dragged wider or
 * narrower), so it shows as much of the name as fits, never less.
 *
 * The element must get its width from its container, not from its text: the stylesheet
 * gives `.labstudio-middle-ellipsis` `min-width: 0` and `overflow: hidden`, and callers
 * in flex rows add `flex: 1 1 0`.
 */
import * as React from 'react';

import { middleEllipsis } from './ellipsis';

export interface IMiddleEllipsisProps {
  text: string;
  className?: string;
  testId?: string;
  /** The tooltip (default: the full text). */
  title?: string;
  /** Width of a string as rendered in `element` (default: canvas `measureText`). */
  measure?: (text: string, element: HTMLElement) => number;
}

export function MiddleEllipsis(props: IMiddleEllipsisProps): JSX.Element {
  const { text, measure } = props;
  const ref = React.useRef<HTMLSpanElement>(null);
  const [shown, setShown] = React.useState(text);

  React.useLayoutEffect(() => {
    const node = ref.current;
    if (!node) {
      return;
    }
    let disposed = false;
    const fit = () => {
      if (disposed) {
        return;
      }
      const width = node.clientWidth;
      if (!width) {
        setShown(text); // not laid out (hidden section, or no layout at all)
        return;
      }
      const measureWidth = measure
        ? (s: string) => measure(s, node)
        : canvasMeasure(node);
      setShown(measureWidth ? middleEllipsis(text, width, measureWidth) : text);
    };
    fit();
    // Web fonts may arrive after the first fit and change every width.
    void (
      document as { fonts?: { ready: Promise<unknown> } }
    ).fonts?.ready.then(fit);
    if (typeof ResizeObserver === 'undefined') {
      return () => {
        disposed = true;
      };
    }
    const observer = new ResizeObserver(fit);
    observer.observe(node);
    return () => {
      disposed = true;
      observer.disconnect();
    };
  }, [text, measure]);

  return (
    <span
      ref={ref}
      className={`labstudio-middle-ellipsis ${props.className ?? ''}`}
      data-testid={props.testId}
      data-full-text={text}
      title={props.title ?? text}
    >
      {shown}
    </span>
  );
}

let context: CanvasRenderingContext2D | null | undefined;

/** A text measurer in `element`'s font (null where there is no canvas). */
function canvasMeasure(element: HTMLElement): ((s: string) => number) | null {
  if (context === undefined) {
    context = document.createElement('canvas').getContext('2d');
  }
  const ctx = context;
  if (!ctx) {
    return null;
  }
  const style = getComputedStyle(element);
  const font = [
    style.fontStyle,
    style.fontWeight,
    style.fontSize,
    style.fontFamily
  ].join(' ');
  const spacing = parseFloat(style.letterSpacing) || 0;
  return (s: string) => {
    ctx.font = font;
    return ctx.measureText(s).width + spacing * s.length;
  };
}
