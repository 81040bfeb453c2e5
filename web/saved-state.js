// Where the page state is kept between visits: in the URL fragment (shareable, and what a
// link opens) and in local storage (so a pasted config survives a reload). Neither ever
// leaves the browser.

import { readStateFromFragment, writeStateToFragment } from './url-state.js';

const STORAGE_KEY = 'headroom.state.v1';
// The page updates on every keystroke. Storage is written each time (cheap), the URL only
// after a pause: compressing a pasted config and history.replaceState (up to 28 ms measured)
// would otherwise cost frames while typing.
const FRAGMENT_DELAY_MS = 250;
// Edits not yet in the URL, for this tab only (session storage survives a reload, not a new
// tab): the URL they were typed under. A reload of that URL within the pause shows the edits;
// the same URL opened from a bookmark or another tab shows what the link says.
const PENDING_KEY = 'headroom.pending.v1';

let saveTicket = 0;
let fragmentTimer = 0;
let pendingState = null;

export function saveState(state) {
  try {
    localStorage.setItem(STORAGE_KEY, JSON.stringify(state));
    sessionStorage.setItem(PENDING_KEY, location.hash);
  } catch {
    // Storage can be disabled (private windows, sandboxed frames); links still work.
  }
  pendingState = state;
  clearTimeout(fragmentTimer);
  fragmentTimer = setTimeout(flushState, FRAGMENT_DELAY_MS);
}

// Writes the pending state into the URL now (the pause cut short), e.g. before the link is copied.
export async function flushState() {
  clearTimeout(fragmentTimer);
  if (!pendingState) return;
  const state = pendingState;
  const ticket = ++saveTicket;
  const fragment = await writeStateToFragment(state);
  if (ticket !== saveTicket) return; // a newer state was saved meanwhile
  pendingState = null;
  try {
    history.replaceState(null, '', `#${fragment}`);
  } catch {
    // A sandboxed iframe may refuse history changes; the result is shown all the same.
  }
  try {
    sessionStorage.removeItem(PENDING_KEY);
  } catch {
    // as above
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

function pendingUnder() {
  try {
    return sessionStorage.getItem(PENDING_KEY);
  } catch {
    return null;
  }
}

// The state to open with: the link's, else the last visit's, else the defaults.
export async function loadInitialState(defaults) {
  const stored = loadStoredState();
  // This tab reloaded its own URL before the URL caught up with the last edits: storage is newer.
  if (stored && location.hash && pendingUnder() === location.hash) return { ...defaults, ...stored };
  const fromLink = await readStateFromFragment(location.hash);
  if (fromLink) {
    // A link states the whole setup: what it leaves out is the default, not the last visit.
    // The pasted config in storage is kept unless the link brings its own.
    return { ...defaults, config: stored?.config || '', ...fromLink };
  }
  return { ...defaults, ...(stored || {}) };
}
