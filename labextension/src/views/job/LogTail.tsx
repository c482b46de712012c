/**
 * A live log tail (the reading, follow and search live in `LogTailModel`): follow keeps
 * the view at the bottom; search filters and highlights lines; copy and download take
 * the whole text.
 */
import * as React from 'react';

import { copyText, downloadText } from '../common/common';
import { useModel } from '../common/useModel';
import { LogTailModel } from './logTailModel';

export function LogTail(props: { model: LogTailModel }): JSX.Element {
  const model = useModel(props.model);
  const { name, text, error, active, follow, search, needle } = model;
  const box = React.useRef<HTMLPreElement>(null);

  React.useLayoutEffect(() => {
    if (follow && box.current) {
      box.current.scrollTop = box.current.scrollHeight;
    }
  }, [text, follow, search]);

  const shown = needle ? model.lines : [];
  const download = () => downloadText(text, `${name}.log`);

  return (
    <div className="labstudio-logs" data-testid="labstudio-log-tail">
      <div className="labstudio-toolbar">
        <input
          className="labstudio-search jp-mod-styled labstudio-log-search"
          type="search"
          placeholder="Search the log"
          aria-label="Search the log"
          data-testid="labstudio-log-search"
          value={search}
          onChange={e => model.setSearch(e.target.value)}
        />
        {model.hosts.length > 1 && (
          <select
            className="jp-mod-styled"
            aria-label="Host"
            title="Show one host's lines"
            data-testid="labstudio-log-host"
            value={model.host ?? ''}
            onChange={e => model.setHost(e.target.value || null)}
          >
            <option value="">all hosts</option>
            {model.hosts.map(h => (
              <option key={h} value={h}>
                {h}
              </option>
            ))}
          </select>
        )}
        {needle && (
          <span className="labstudio-hint" data-testid="labstudio-log-matches">
            {shown.length} matching lines
          </span>
        )}
        <label className="labstudio-inline-label">
          <input
            type="checkbox"
            checked={follow}
            onChange={e => model.setFollow(e.target.checked)}
            data-testid="labstudio-log-follow"
          />
          follow
        </label>
        <button
          className="labstudio-button"
          data-testid="labstudio-log-copy"
          onClick={() => void model.copy(copyText)}
        >
          {model.copied ? 'Copied' : 'Copy'}
        </button>
        <button
          className="labstudio-button"
          onClick={download}
          disabled={!text}
        >
          Download
        </button>
        {active && (
          <span className="labstudio-connection labstudio-connection-live">
            tailing
          </span>
        )}
      </div>
      {error && <div className="labstudio-error-message">{error}</div>}
      <pre
        ref={box}
        className="labstudio-log"
        data-testid="labstudio-log"
        tabIndex={0}
        aria-label="Job log"
        onScroll={e => {
          const el = e.currentTarget;
          const atBottom = el.scrollHeight - el.scrollTop - el.clientHeight < 8;
          model.setFollow(atBottom);
        }}
      >
        {text
          ? needle
            ? shown.map((l, i) => (
                <Highlighted key={i} line={l} needle={needle} />
              ))
            : text
          : active
            ? 'Waiting for output…'
            : '(no output)'}
      </pre>
    </div>
  );
}

function Highlighted(props: { line: string; needle: string }): JSX.Element {
  const { line, needle } = props;
  const parts: React.ReactNode[] = [];
  const lower = line.toLowerCase();
  let at = 0;
  let i = lower.indexOf(needle);
  while (i >= 0) {
    parts.push(
      line.slice(at, i),
      <mark key={i}>{line.slice(i, i + needle.length)}</mark>
    );
    at = i + needle.length;
    i = lower.indexOf(needle, at);
  }
  parts.push(line.slice(at), '\n');
  return <>{parts}</>;
}
