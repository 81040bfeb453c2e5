// The line above the result that says a log calibration is in force (and which terms come
// from the log), or that it is kept but not applied because the setup on screen is not the
// one the log measured. Its button removes the calibration.

import { gib } from './format.js';
import { TERM_LABELS } from './calibration.js';

// gpuName(id): the catalogue name of a GPU id, for people.
export function createCalibrationBanner(root, onRemove, gpuName = (id) => id) {
  const doc = root.ownerDocument;
  const title = root.querySelector('#calibration-title');
  const terms = root.querySelector('#calibration-terms');
  const scope = root.querySelector('#calibration-scope');
  root.querySelector('#remove-calibration').addEventListener('click', onRemove);
  let shown = [null, 'none', []];

  // status: 'applied', 'paused' (differs lists what changed) or 'unknown' (the setup has an
  // error, so whether it applies cannot be told).
  function update(calibration, status, differs = []) {
    shown = [calibration, status, differs];
    root.hidden = !calibration;
    if (!calibration) return;
    root.dataset.status = status;
    title.textContent = status === 'paused'
      ? 'Your log calibration is kept but not applied'
      : 'Calibrated to your vLLM log';

    terms.replaceChildren(...Object.entries(calibration.terms).map(([key, value]) => {
      const item = doc.createElement('li');
      item.dataset.term = key;
      item.dataset.value = String(value);
      const name = doc.createElement('span');
      name.textContent = `${TERM_LABELS[key] || key} `;
      const amount = doc.createElement('strong');
      amount.textContent = gib(value);
      item.append(name, amount);
      return item;
    }));

    const s = calibration.scope;
    const measured = [
      [s.model, s.gpu && `on ${gpuName(s.gpu)}`].filter(Boolean).join(' '),
      s.tensor_parallel_size && `TP ${s.tensor_parallel_size}`,
      s.pipeline_parallel_size && `PP ${s.pipeline_parallel_size}`,
      s.vllm_version && `vLLM ${s.vllm_version}`,
    ].filter(Boolean).join(' · ');
    scope.textContent = status === 'paused'
      ? `Measured for ${measured || 'another setup'}; this setup differs in ${differs.join(', ')}. Go back to that setup to use it again.`
      : `Measured for ${measured || 'the setup of the log'}. What-ifs on length, utilization and sequences start from these.`;
  }

  // Writes the same again, e.g. once the GPU names are known.
  function redraw() {
    update(...shown);
  }

  return { update, redraw };
}
