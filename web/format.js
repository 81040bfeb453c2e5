// How numbers from the core are written on screen. Rounding for display only: the exact
// value the core returned is always kept beside it in data-value.

export function gib(value) {
  return `${value.toFixed(2)} GiB`;
}

// 1234567 -> "1,234,567". Written by hand: the first Intl.NumberFormat of a page loads the
// browser's locale data, which cost 100 ms of the first result (docs/performance.md).
export function count(value) {
  if (!Number.isFinite(value)) return String(value);
  const whole = Math.round(Math.abs(value)).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return value <= -0.5 ? `-${whole}` : whole;
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
// Fractions are cut to four decimals for reading (the exact value goes in a tooltip); a
// key's unit suffix (_gib, _mib) is written after the number.
export function inputValue(value, key = '') {
  if (typeof value === 'number') {
    const text = Number.isInteger(value) ? count(value) : String(Number(value.toFixed(4)));
    if (key.endsWith('_gib')) return `${text} GiB`;
    if (key.endsWith('_mib')) return `${text} MiB`;
    return text;
  }
  if (value === null || value === undefined) return 'none';
  if (Array.isArray(value)) return value.map((v) => inputValue(v)).join(', ');
  if (typeof value === 'object') {
    // Nested entries inherit the unit of their parent key (parts_gib: {mlp: 10.5} is GiB).
    const unit = key.endsWith('_gib') ? '_gib' : key.endsWith('_mib') ? '_mib' : '';
    return Object.entries(value).map(([k, v]) => `${k} ${inputValue(v, k + unit)}`).join(' · ');
  }
  return String(value);
}
