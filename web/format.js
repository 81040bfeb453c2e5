// How numbers from the core are written on screen. Rounding for display only: the exact
// value the core returned is always kept beside it in data-value.

const integer = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

export function gib(value) {
  return `${value.toFixed(2)} GiB`;
}

export function count(value) {
  return integer.format(value);
}

// Concurrency is a ratio (tokens available / tokens one request needs).
export function times(value) {
  return `${value.toFixed(2)}×`;
}

// Writes a number into an element: the rounded text for people, the exact value for tests
// and for anyone who copies it from the inspector.
export function show(element, value, formatter) {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    element.textContent = '—';
    element.removeAttribute('data-value');
    return;
  }
  element.textContent = formatter(value);
  element.dataset.value = String(value);
}

// The inputs of a formula, which may be numbers, strings, booleans, lists or nested objects.
export function inputValue(value) {
  if (typeof value === 'number') return Number.isInteger(value) ? count(value) : String(value);
  if (value === null) return 'null';
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}
