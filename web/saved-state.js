// Where the page state is kept between visits: in the URL fragment (shareable, and what a
// link opens) and in local storage (so a pasted config survives a reload). Neither ever
// leaves the browser.

import { readStateFromFragment, writeStateToFragment } from './url-state.js';

const STORAGE_KEY = 'headroom.state.v1';
// The page updates on every keystroke. Storage is written each time (cheap), the URL only
// after a pause: compressing a pasted config and history.replaceState (up to 28 ms measured)
// would otherwise cost frames while typing.
const FRAGMENT_DELAY_MS = 250;

let saveTicket = 0;
let fragmentTimer = 0;

export function saveState(state) {
  try {
    // `fragment` is the URL this state was typed under: a reload within the pause still
    // shows the old fragment, and must not undo the last keystrokes (loadInitialState).
    localStorage.setItem(STORAGE_KEY, JSON.stringify({ ...state, fragment: location.hash }));
  } catch {
    // Storage can be disabled (private windows, sandboxed frames); links still work.
  }
  clearTimeout(fragmentTimer);
  fragmentTimer = setTimeout(() => saveFragment(state), FRAGMENT_DELAY_MS);
}

async function saveFragment(state) {
  const ticket = ++saveTicket;
  const fragment = await writeStateToFragment(state);
  if (ticket !== saveTicket) return; // a newer state was saved meanwhile
  try {
    history.replaceState(null, '', `#${fragment}`);
  } catch {
    // A sandboxed iframe may refuse history changes; the result is shown all the same.
  }
}

function loadStoredState() {
  try {
    const stored = JSON.parse(localStorage.getItem(STORAGE_KEY) || 'null');
    return stored && typeof stored === 'object' ? stored : null;
  } catch {
    return null;
  }
}

// The state to open with: the link's, else the last visit's, else the defaults.
export async function loadInitialState(defaults) {
  const stored = loadStoredState();
  const { fragment, ...storedState } = stored || {};
  // The page's own URL, reloaded before it caught up with the last edits: storage is newer.
  if (stored && location.hash && fragment === location.hash) return { ...defaults, ...storedState };
  const fromLink = await readStateFromFragment(location.hash);
  if (fromLink) {
    // A link states the whole setup: what it leaves out is the default, not the last visit.
    // The pasted config in storage is kept unless the link brings its own.
    return { ...defaults, config: storedState.config || '', ...fromLink };
  }
  return { ...defaults, ...storedState };
}
