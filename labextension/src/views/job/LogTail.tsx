/**
 * A live log tail: fetches `GET /jobs/{name}/logs?offset=` from where it stopped, every
 * second while the job runs (the log has no events), once when it is over. Follow keeps
 * the view at the bottom; search filters and highlights lines; copy and download take
 * the whole text.
 */
import * as React from 'react';

import { LabstudioClient } from '../../api';
import { copyText } from '../common/common';

/** Keep at most this many characters (the head is dropped first). */
const MAX_CHARS = 2_000_000;

export function LogTail(props: {
  client: LabstudioClient;
  name: string;
  active: boolean;
  interval?: number;
}): JSX.Element {
  const { client, name, active } = props;
  const [text, setText] = React.useState('');
  const [error, setError] = React.useState<string | null>(null);
  const [follow, setFollow] = React.useState(true);
  const [search, setSearch] = React.useState('');
  const [copied, setCopied] = React.useState(false);
  const offset = React.useRef(0);
  const box = React.useRef<HTMLPreElement>(null);

  React.useEffect(() => {
    let cancelled = false;
    let timer: ReturnType<typeof setTimeout> | null = null;
    const tick = async () => {
      try {
        // Read everything there is (big logs come in several chunks).
        for (let i = 0; i < 50 && !cancelled; i++) {
          const chunk = await client.getLogs(name, offset.current);
          if (cancelled) {
            return;
          }
          if (chunk.text) {
            setText(t => (t + chunk.text).slice(-MAX_CHARS));
          }
          const moved = chunk.next_offset !== offset.current;
          offset.current = chunk.next_offset;
          if (!moved || chunk.complete || !chunk.text) {
            break;
          }
        }
        setError(null);
      } catch (e) {
        if (!cancelled) {
          setError((e as Error).message);
        }
      }
      if (!cancelled && active) {
        timer = setTimeout(() => void tick(), props.interval ?? 1000);
      }
    };
    void tick();
    return () => {
      cancelled = true;
      if (timer !== null) {
        clearTimeout(timer);
      }
    };
  }, [client, name, active]);

  React.useLayoutEffect(() => {
    if (follow && box.current) {
      box.current.scrollTop = box.current.scrollHeight;
    }
  }, [text, follow, search]);

  const needle = search.trim().toLowerCase();
  const lines = React.useMemo(() => text.split('\n'), [text]);
  const shown = needle ? lines.filter(l => l.toLowerCase().includes(needle)) : lines;
  const download = () => {
    const url = URL.createObjectURL(new Blob([text], { type: 'text/plain' }));
    const a = document.createElement('a');
    a.href = url;
    a.download = `${name}.log`;
    a.click();
    setTimeout(() => URL.revokeObjectURL(url), 1000);
  };

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
          onChange={e => setSearch(e.target.value)}
        />
        {needle && <span className="labstudio-hint" data-testid="labstudio-log-matches">{shown.length} matching lines</span>}
        <label className="labstudio-inline-label">
          <input type="checkbox" checked={follow} onChange={e => setFollow(e.target.checked)} data-testid="labstudio-log-follow" />
          follow
        </label>
        <button className="labstudio-button" data-testid="labstudio-log-copy" onClick={() => void copyText(text).then(() => { setCopied(true); setTimeout(() => setCopied(false), 1500); })}>
          {copied ? 'Copied' : 'Copy'}
        </button>
        <button className="labstudio-button" onClick={download} disabled={!text}>Download</button>
        {active && <span className="labstudio-connection labstudio-connection-live">tailing</span>}
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
          if (atBottom !== follow) {
            setFollow(atBottom);
          }
        }}
      >
        {text ? (needle ? shown.map((l, i) => <Highlighted key={i} line={l} needle={needle} />) : text) : active ? 'Waiting for output…' : '(no output)'}
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
    parts.push(line.slice(at, i), <mark key={i}>{line.slice(i, i + needle.length)}</mark>);
    at = i + needle.length;
    i = lower.indexOf(needle, at);
  }
  parts.push(line.slice(at), '\n');
  return <>{parts}</>;
}
