/**
 * A React wrapper around uPlot (canvas, built for large series). uPlot is loaded on
 * first use, so the sidebar does not pay for it. The chart follows its container's
 * width, and is rebuilt when the JupyterLab theme changes (axis and grid colours come
 * from the theme variables).
 */
import type uPlot from 'uplot';
import * as React from 'react';

import { AlignedData } from './series';

export interface IThemeColors {
  text: string;
  grid: string;
  background: string;
  font: string;
}

/** The current JupyterLab theme's colours, for canvas drawing. */
export function themeColors(): IThemeColors {
  const style = getComputedStyle(document.body);
  const get = (name: string, fallback: string) =>
    style.getPropertyValue(name).trim() || fallback;
  return {
    text: get('--jp-ui-font-color1', '#333'),
    grid: get('--jp-border-color2', '#ddd'),
    background: get('--jp-layout-color1', '#fff'),
    font: `11px ${get('--jp-ui-font-family', 'sans-serif')}`
  };
}

/** Re-render when the theme changes (JupyterLab sets `data-jp-theme-name` on body). */
export function useThemeVersion(): number {
  const [version, setVersion] = React.useState(0);
  React.useEffect(() => {
    if (typeof MutationObserver === 'undefined') {
      return;
    }
    const observer = new MutationObserver(() => setVersion(v => v + 1));
    observer.observe(document.body, {
      attributes: true,
      attributeFilter: ['data-jp-theme-name', 'data-jp-theme-light']
    });
    return () => observer.disconnect();
  }, []);
  return version;
}

export interface IUPlotChartProps {
  /** Build the options for a width and the theme colours. */
  options: (width: number, colors: IThemeColors) => uPlot.Options;
  data: AlignedData;
  height: number;
  /** Rebuild when this changes (anything that changes the options). */
  optionsKey: string;
  testId?: string;
  ariaLabel: string;
  /** The curves the chart stands for (`data-curves`; raw copies of smoothed curves aside). */
  curves?: number;
}

let loader: Promise<typeof uPlot> | null = null;
function loadUPlot(): Promise<typeof uPlot> {
  loader =
    loader ?? import('uplot').then(m => (m.default ?? m) as typeof uPlot);
  return loader;
}

export function UPlotChart(props: IUPlotChartProps): JSX.Element {
  const ref = React.useRef<HTMLDivElement>(null);
  const plot = React.useRef<uPlot | null>(null);
  const [failed, setFailed] = React.useState<string | null>(null);
  const theme = useThemeVersion();
  const seriesCount = props.data.length - 1;

  // (Re)build on options or theme changes.
  React.useEffect(() => {
    let cancelled = false;
    const node = ref.current;
    if (!node) {
      return;
    }
    loadUPlot()
      .then(UPlot => {
        if (cancelled) {
          return;
        }
        plot.current?.destroy();
        const width = Math.max(200, node.clientWidth || 600);
        const options = props.options(width, themeColors());
        // `data-drawn`: the series of the last completed draw (tests and the benchmark wait on it)
        const drawn = (u: uPlot) =>
          node.setAttribute('data-drawn', String(u.series.length - 1));
        options.hooks = {
          ...options.hooks,
          draw: [...(options.hooks?.draw ?? []), drawn]
        };
        node.removeAttribute('data-drawn');
        plot.current = new UPlot(
          options,
          props.data as uPlot.AlignedData,
          node
        );
      })
      .catch(error => setFailed(String(error?.message ?? error)));
    return () => {
      cancelled = true;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps -- props.options is a new closure on every render: optionsKey says when it really changed
  }, [props.optionsKey, theme]);

  // New data with the same options: setData is cheap.
  React.useEffect(() => {
    const current = plot.current;
    if (current && current.series.length === props.data.length) {
      current.setData(props.data as uPlot.AlignedData);
    }
  }, [props.data]);

  React.useEffect(() => {
    const node = ref.current;
    if (!node || typeof ResizeObserver === 'undefined') {
      return;
    }
    const observer = new ResizeObserver(() => {
      const width = node.clientWidth;
      if (
        plot.current &&
        width > 0 &&
        Math.abs(plot.current.width - width) > 2
      ) {
        plot.current.setSize({ width, height: props.height });
      }
    });
    observer.observe(node);
    return () => observer.disconnect();
  }, [props.height]);

  React.useEffect(() => () => plot.current?.destroy(), []);

  return (
    <div
      ref={ref}
      className="labstudio-chart"
      data-testid={props.testId}
      data-series={seriesCount}
      data-curves={props.curves ?? seriesCount}
      data-points={props.data[0]?.length ?? 0}
      role="img"
      aria-label={props.ariaLabel}
      style={{ minHeight: props.height }}
    >
      {failed && (
        <div className="labstudio-empty">
          The chart cannot be drawn here: {failed}
        </div>
      )}
    </div>
  );
}
