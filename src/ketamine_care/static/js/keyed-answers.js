// One key per answer: inside a radio group marked data-keyed, typing an answer's value picks
// it and moves focus to the next group. Plain script, no build step; the form works without it.
(() => {
  if (window.keyedAnswersInstalled) return; // HTMX may load this script again with a partial
  window.keyedAnswersInstalled = true;
  document.addEventListener("keydown", (event) => {
    const radio = event.target;
    if (!(radio instanceof HTMLInputElement) || radio.type !== "radio" || !radio.dataset.keyed) return;
    if (!/^[0-9]$/.test(event.key)) return;
    const group = Array.from(document.getElementsByName(radio.name));
    const pick = group.find((r) => r.value === event.key);
    if (!pick) return;
    event.preventDefault();
    pick.checked = true;
    pick.dispatchEvent(new Event("change", { bubbles: true }));
    const radios = Array.from(radio.form.querySelectorAll("input[type=radio][data-keyed]"));
    const next = radios.find((r) => r.name !== radio.name && radios.indexOf(r) > radios.indexOf(pick));
    if (next) {
      const nextGroup = radios.filter((r) => r.name === next.name);
      (nextGroup.find((r) => r.checked) || nextGroup[0]).focus();
    }
  });
})();
