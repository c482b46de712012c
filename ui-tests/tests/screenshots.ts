/**
 * Where the specs write their screenshots. A test run must not modify tracked files, so
 * by default they go to ui-tests/screenshots/ (ignored by git). `jlpm screenshots` in
 * ui-tests (LABSTUDIO_DOC_SCREENSHOTS=1) writes them into docs/screenshots/ instead, to
 * refresh the README's images on purpose.
 */
import * as path from 'path';

export const SCREENSHOTS = process.env.LABSTUDIO_DOC_SCREENSHOTS
  ? path.resolve(__dirname, '..', '..', 'docs', 'screenshots')
  : path.resolve(__dirname, '..', 'screenshots');
