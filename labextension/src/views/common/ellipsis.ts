/**
 * Middle truncation of names (pure, no DOM).
 *
 * Run and job names share long prefixes (`train-2026-11-30-02-13-45-123`): a trailing
 * ellipsis hides exactly the part that tells them apart. Cutting in the middle keeps the
 * start (what kind of thing it is) and the end (which one it is), and gives the end a
 * little more room since that is where generated names differ.
 */

export const ELLIPSIS = '…';

/** Share of the kept characters that goes to the start of the name. */
const HEAD_SHARE = 0.45;

/**
 * `text` with its middle replaced by `…` so that `measure(result) <= maxWidth`.
 *
 * `measure` gives the rendered width of a string (pixels, or characters in tests). The
 * full text is returned when it fits; when not even `…` plus one character at each end
 * fits, the shortest such form is returned (the element clips it, but both ends stay
 * recognisable for as long as possible).
 */
export function middleEllipsis(
  text: string,
  maxWidth: number,
  measure: (s: string) => number
): string {
  if (measure(text) <= maxWidth) {
    return text;
  }
  const chars = Array.from(text); // code points: never split a surrogate pair
  if (chars.length <= 3) {
    return text; // nothing to gain: the element clips it
  }
  // Binary search the most characters kept (head + tail) that still fit.
  let lo = 2;
  let hi = chars.length - 1;
  let best = cut(chars, 2);
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const candidate = cut(chars, mid);
    if (measure(candidate) <= maxWidth) {
      best = candidate;
      lo = mid + 1;
    } else {
      hi = mid - 1;
    }
  }
  return best;
}

/** The first and last characters of `chars`, `keep` in all, joined by `…`. */
function cut(chars: string[], keep: number): string {
  const head = Math.max(1, Math.floor(keep * HEAD_SHARE));
  const tail = Math.max(1, keep - head);
  return (
    chars.slice(0, head).join('') +
    ELLIPSIS +
    chars.slice(chars.length - tail).join('')
  );
}
