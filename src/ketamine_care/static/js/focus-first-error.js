// A form marked data-focus-first-error that comes back with errors puts the cursor in the
// first field with an error (Django marks it aria-invalid), so the user starts where the
// problem is; otherwise the field marked autofocus keeps the focus.
(() => {
  const focusFirstError = () => {
    for (const form of document.querySelectorAll("form[data-focus-first-error]")) {
      const field = form.querySelector('[aria-invalid="true"]');
      if (field) {
        field.focus();
        return;
      }
    }
  };
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", focusFirstError);
  } else {
    focusFirstError();
  }
})();
