// A collapsible panel (<details>) whose content costs several estimates (the planner, the
// log check). Its work runs only while the panel is open and on screen, after typing has
// paused, and only when its input changed since the last run, so the main estimate stays
// fast while someone types. The panel's data-state says where it is, for people (styles)
// and for the browser tests: idle, pending, ready or error; data-runs counts the runs.

export function createLazyRunner(details, run, delayMs) {
  let visible = typeof IntersectionObserver !== 'function';
  let input = null;
  let key = null;
  let lastKey = null;
  let timer = 0;
  let runs = 0;
  let lastState = 'idle';

  if (!visible) {
    new IntersectionObserver((entries) => {
      visible = entries.some((entry) => entry.isIntersecting);
      consider(0);
    }).observe(details);
  }
  details.addEventListener('toggle', () => consider(0));

  function consider(delay = delayMs) {
    clearTimeout(timer);
    if (input === null) return;
    if (key === lastKey) {
      details.dataset.state = lastState; // back to what is on screen already
      return;
    }
    details.dataset.state = 'pending';
    if (!details.open || !visible) return; // picked up again on open / scroll into view
    timer = setTimeout(() => {
      lastKey = key;
      const ok = run(input);
      runs += 1;
      lastState = ok ? 'ready' : 'error';
      details.dataset.state = lastState;
      details.dataset.runs = String(runs);
    }, delay);
  }

  return {
    // newInput: what run() receives (null: nothing to run); inputKey: equal keys skip a run.
    set(newInput, inputKey, delay) {
      input = newInput;
      key = inputKey;
      if (input === null) {
        clearTimeout(timer);
        lastKey = null;
        details.dataset.state = 'idle';
        return;
      }
      consider(delay);
    },
  };
}
