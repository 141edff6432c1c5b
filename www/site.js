// A self-check for the demo pages: it counts resources that fail to load and
// script errors, and reports whether the stylesheet applied and the logo
// decoded, in the page itself (#self-check) for people and for the browser test.
"use strict";
(function () {
  const problems = [];
  // Capture phase: a failed <img> or <link> fires "error" on the element only.
  window.addEventListener("error", (e) => {
    const what = e.target && e.target !== window ? e.target.src || e.target.href : e.message;
    problems.push("failed: " + what);
  }, true);
  window.addEventListener("load", () => {
    const out = document.getElementById("self-check");
    if (!out) return;
    const h1 = document.querySelector("h1");
    const styled = h1 && getComputedStyle(h1).color === "rgb(42, 111, 151)";
    const logo = document.getElementById("logo");
    out.dataset.styled = styled ? "yes" : "no";
    out.dataset.logoWidth = logo ? String(logo.naturalWidth) : "none";
    out.dataset.problems = String(problems.length);
    out.textContent = problems.length
      ? "Problems: " + problems.join("; ")
      : "Page check: stylesheet " + (styled ? "applied" : "missing") +
        (logo ? ", logo decoded at " + logo.naturalWidth + " px" : "") + ", no load errors.";
  });
})();
