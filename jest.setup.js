/**
 * Testing Library waits 1 s by default for a condition (`waitFor`, `findBy*`); on a loaded
 * 2-core CI machine a panel's first render over the test server can take longer. A generous
 * limit only changes how long a failing test waits, never what passes.
 */
const { configure } = require('@testing-library/react');

configure({ asyncUtilTimeout: 10000 });
