/**
 * Local paths in processing and transform descriptions (`file:///abs/path` or plain
 * absolute paths) as paths the file browser opens: relative to the Jupyter root, or null
 * for a path outside it (the view then offers to copy it instead).
 */

/** The path of a `file://` URI (a plain path is returned as it is). */
export function localPath(uri: string): string {
  if (!uri.startsWith('file://')) {
    return uri;
  }
  try {
    return decodeURIComponent(new URL(uri).pathname);
  } catch {
    return uri.slice('file://'.length);
  }
}

/**
 * `uri` relative to the Jupyter root `root` (an absolute path), '' for the root itself;
 * null when it lies outside the root or the root is unknown. A relative path is taken as
 * relative to the root already.
 */
export function rootRelative(uri: string, root: string | null): string | null {
  const path = localPath(uri).replace(/\/+$/, '');
  if (!path.startsWith('/')) {
    return path.replace(/^\.\//, '');
  }
  if (!root || !root.startsWith('/')) {
    return null;
  }
  const base = root.replace(/\/+$/, '');
  if (path === base) {
    return '';
  }
  return path.startsWith(base + '/') ? path.slice(base.length + 1) : null;
}
