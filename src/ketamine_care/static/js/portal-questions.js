// The patient's questionnaire page: counts the questions answered, and instead of sending
// a form with a question left empty, scrolls to that question, outlines it and says what is
// missing in plain words. The server checks again; without this script the form still works.
(() => {
  const form = document.getElementById("portal-form");
  if (!form) return;
  const questions = Array.from(form.querySelectorAll(".question"));
  const bar = document.getElementById("progress-bar");
  const text = document.getElementById("progress-text");
  const banner = document.getElementById("portal-unanswered");
  const ASK = "Please choose an answer to this question.";

  const answered = (question) =>
    Array.from(question.querySelectorAll("input, select, textarea")).some((input) =>
      input.type === "radio" || input.type === "checkbox" ? input.checked : input.value.trim() !== "",
    );

  const mark = (question, message) => {
    const error = question.querySelector(".question-error");
    question.classList.toggle("unanswered", Boolean(message));
    if (error) {
      error.textContent = message;
      error.hidden = !message;
    }
  };

  const show = (question) => {
    question.scrollIntoView({ block: "center" });
    const input = question.querySelector("input:checked, input, select, textarea");
    if (input) input.focus({ preventScroll: true });
  };

  const update = () => {
    const done = questions.filter(answered).length;
    if (bar) bar.value = done;
    if (text) text.textContent = `${done} of ${questions.length} questions answered`;
  };

  form.addEventListener("change", (event) => {
    const question = event.target.closest(".question");
    if (question && answered(question)) mark(question, "");
    if (banner && !form.querySelector(".question.unanswered")) banner.hidden = true;
    update();
  });

  form.addEventListener("submit", (event) => {
    const missing = questions.find((question) => !answered(question));
    if (!missing) return;
    event.preventDefault();
    mark(missing, ASK);
    if (banner) {
      banner.textContent = `Question ${missing.dataset.question} still needs an answer. It is marked below.`;
      banner.hidden = false;
    }
    show(missing);
  });

  update();
  const first = form.querySelector(".question.unanswered");
  if (first) show(first);
})();
