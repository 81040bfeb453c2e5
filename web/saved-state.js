// Where the page state is kept between visits: in the URL fragment (shareable, and what a
// link opens) and in local storage (so a pasted config survives a reload). Neither ever
// leaves the browser.

import { readStateFromFragment, writeStateToFragment } from './url-state.js';

const STORAGE_KEY = 'headroom.state.v1';

let saveTicket = 0;

export async function saveState(state) {
  const ticket = ++saveTicket;
  try {
    localStorage.setItem(STORAGE_KEY, JSON.stringify(state));
  } catch {
    // Storage can be disabled (private windows, sandboxed frames); links still work.
  }
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
  const fromLink = await readStateFromFragment(location.hash);
  if (fromLink) {
    // A link states the whole setup: what it leaves out is the default, not the last visit.
    // The pasted config in storage is kept unless the link brings its own.
    const stored = loadStoredState();
    return { ...defaults, config: stored?.config || '', ...fromLink };
  }
  return { ...defaults, ...(loadStoredState() || {}) };
}
