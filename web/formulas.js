// "Show the formula": one <details> per term of the estimate (response.terms), each with the
// formula, its inputs and the calibration entry it used. All text is the core's, set as text.

import { gib, count, inputValue } from './format.js';

function termValue(term) {
  if (typeof term.value !== 'number') return inputValue(term.value);
  if (term.key.endsWith('_gib')) return gib(term.value);
  if (Number.isInteger(term.value)) return count(term.value);
  return term.value.toFixed(2);
}

// Remembers which terms were open so that live updates do not fold them shut.
export function renderFormulas(container, terms, doc = document) {
  const open = new Set(
    [...container.querySelectorAll('details[open]')].map((d) => d.dataset.term),
  );
  const items = (terms || []).map((term) => {
    const details = doc.createElement('details');
    details.className = 'formula';
    details.dataset.term = term.key;
    details.id = `formula-${term.key}`;
    details.open = open.has(term.key);

    const summary = doc.createElement('summary');
    const label = doc.createElement('span');
    label.className = 'formula-label';
    label.textContent = term.label || term.key;
    const value = doc.createElement('span');
    value.className = 'formula-value';
    value.textContent = termValue(term);
    if (typeof term.value === 'number') value.dataset.value = String(term.value);
    summary.append(label, value);

    const body = doc.createElement('div');
    body.className = 'formula-body';
    const formula = doc.createElement('pre');
    formula.className = 'formula-text';
    const code = doc.createElement('code');
    code.textContent = term.formula || '';
    formula.append(code);
    body.append(formula);

    const inputs = Object.entries(term.inputs || {});
    if (inputs.length) {
      const list = doc.createElement('dl');
      list.className = 'formula-inputs';
      for (const [name, raw] of inputs) {
        const dt = doc.createElement('dt');
        dt.textContent = name;
        const dd = doc.createElement('dd');
        dd.textContent = inputValue(raw, name);
        if (typeof raw !== 'string') dd.title = JSON.stringify(raw);
        list.append(dt, dd);
      }
      body.append(list);
    }
    if (term.calibration) {
      const calibration = doc.createElement('p');
      calibration.className = 'formula-calibration';
      const tag = doc.createElement('strong');
      tag.textContent = 'Calibration: ';
      calibration.append(tag, doc.createTextNode(inputValue(term.calibration)));
      body.append(calibration);
    }
    details.append(summary, body);
    return details;
  });
  container.replaceChildren(...items);
}
