/**
 * The backend choice of a launch form (`GET /backends`): every backend the server knows,
 * an unavailable one disabled with the server's reason shown under the select, so the
 * user learns what to configure instead of meeting a refusal after submitting.
 */
import * as React from 'react';

import { IBackendChoices } from '../../types';

export function BackendSelect(props: {
  choices: IBackendChoices;
  value: string;
  onChange: (name: string) => void;
  testId: string;
}): JSX.Element {
  const { choices, value, testId } = props;
  const unavailable = choices.backends.filter(b => !b.available);
  return (
    <>
      <select
        className="jp-mod-styled"
        data-testid={testId}
        aria-label="Backend"
        value={value || choices.default}
        onChange={e => props.onChange(e.target.value)}
      >
        {choices.backends.map(b => (
          <option
            key={b.name}
            value={b.name}
            disabled={!b.available}
            title={b.reason ?? b.address ?? undefined}
          >
            {b.name}
            {b.name === choices.default ? ' (default)' : ''}
            {b.available ? '' : ' (unavailable)'}
          </option>
        ))}
      </select>
      {unavailable.map(b => (
        <div
          key={b.name}
          className="labstudio-hint"
          data-testid={`${testId}-reason`}
          data-backend={b.name}
        >
          {b.name}: {b.reason}
        </div>
      ))}
    </>
  );
}
