/**
 * The search box of a navigator section (tuning jobs, pipelines, models, endpoints): it filters
 * the section's rows by name as the user types. One component, so every section's box looks,
 * reads (its label names what it filters) and behaves the same.
 */
import * as React from 'react';

/** A section model that keeps the filter text (and re-renders its rows when it changes). */
export interface IFilterable {
  readonly filter: string;
  setFilter(text: string): void;
}

export function NameFilter(props: {
  model: IFilterable;
  /** What the rows are, as the label says it: "tuning jobs", "models". */
  noun: string;
  testId: string;
}): JSX.Element {
  const { model } = props;
  return (
    <input
      className="labstudio-search jp-mod-styled"
      data-testid={props.testId}
      type="search"
      placeholder="Filter"
      aria-label={`Filter ${props.noun} by name`}
      value={model.filter}
      onChange={e => model.setFilter(e.target.value)}
    />
  );
}
