/**
 * The one link between a view model and React: re-render when the model says it changed.
 * Views keep their data, requests and subscriptions in a model (`changed` signal), so a
 * view only renders the model's state and calls its methods.
 */
import { ISignal } from '@lumino/signaling';
import * as React from 'react';

export interface IViewModel {
  readonly changed: ISignal<unknown, void>;
}

/** Re-render the calling component whenever `model.changed` emits. */
export function useModel<T extends IViewModel>(model: T): T {
  const [, setVersion] = React.useState(0);
  React.useEffect(() => {
    const onChanged = () => setVersion(v => v + 1);
    model.changed.connect(onChanged);
    return () => {
      model.changed.disconnect(onChanged);
    };
  }, [model]);
  return model;
}

/**
 * A model the component makes for itself (when none was given) and disposes on unmount.
 */
export function useOwnModel<T extends IViewModel & { dispose(): void }>(
  given: T | undefined,
  make: () => T
): T {
  const [own] = React.useState<T | null>(() => (given ? null : make()));
  React.useEffect(
    () => () => {
      own?.dispose();
    },
    [own]
  );
  return useModel(given ?? own!);
}
