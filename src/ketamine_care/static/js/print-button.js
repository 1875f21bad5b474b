// Buttons marked data-print open the browser's print dialog. Lives in a file, not an
// onclick attribute, because the Content-Security-Policy allows no inline script.
document.addEventListener("click", (event) => {
  if (event.target.closest("[data-print]")) {
    window.print();
  }
});
