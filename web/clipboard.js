// Copy buttons beside command lines. A sandboxed frame or an insecure origin refuses the
// clipboard; the button then says so, and the text stays selectable to copy by hand.

export async function copyText(text) {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    return false;
  }
}

// A button that copies what getText() returns and says how it went for a moment.
export function wireCopyButton(button, getText) {
  const label = button.textContent;
  let timer = 0;
  button.addEventListener('click', async () => {
    const ok = await copyText(getText());
    button.textContent = ok ? 'Copied' : 'Blocked: select and copy';
    clearTimeout(timer);
    timer = setTimeout(() => { button.textContent = label; }, 2000);
  });
}
