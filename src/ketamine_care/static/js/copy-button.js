// A button marked data-copy="<input id>" copies that input's text to the clipboard and says
// so in the page's status line. In a file, not an onclick attribute: the Content-Security-
// Policy allows no inline script. Where the clipboard API is refused (a page not served over
// HTTPS), the text is selected and copied the older way.
(() => {
  if (window.copyButtonInstalled) return;
  window.copyButtonInstalled = true;

  const say = (text) => {
    const status = document.getElementById("copy-status");
    if (status) status.textContent = text;
  };

  const fallback = (input) => {
    input.focus();
    input.select();
    try {
      return document.execCommand("copy");
    } catch {
      return false;
    }
  };

  document.addEventListener("click", async (event) => {
    const button = event.target.closest("[data-copy]");
    if (!button) return;
    const input = document.getElementById(button.dataset.copy);
    if (!input) return;
    let copied = false;
    if (navigator.clipboard && window.isSecureContext) {
      try {
        await navigator.clipboard.writeText(input.value);
        copied = true;
      } catch {
        copied = fallback(input);
      }
    } else {
      copied = fallback(input);
    }
    say(copied ? "Link copied." : "Copy did not work: select the link and copy it by hand.");
    if (!copied) input.select();
  });
})();
