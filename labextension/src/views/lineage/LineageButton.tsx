/**
 * The "Lineage" button of the detail views (a job of any kind, an endpoint, a model
 * package version): it opens the lineage graph around what the view shows.
 */
import * as React from 'react';

export function LineageButton(props: {
  /** Open the graph (the view passes the name it shows). */
  onOpen: () => void;
  title?: string;
}): JSX.Element {
  return (
    <button
      className="labstudio-button"
      data-testid="labstudio-open-lineage"
      title={
        props.title ??
        'The lineage graph: the data and jobs this came from, and what came from it'
      }
      onClick={props.onOpen}
    >
      Lineage
    </button>
  );
}
