// Small comforts for the query editor; the page works the same without them.
(function () {
  "use strict";
  var form = document.getElementById("query-form");
  var editor = document.getElementById("query");
  if (!form || !editor) { return; }

  // Ctrl+Enter (or Cmd+Enter) runs the query.
  editor.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      form.requestSubmit ? form.requestSubmit() : form.submit();
    } else if (event.key === "Tab" && !event.shiftKey) {
      // Tab indents instead of leaving the editor.
      event.preventDefault();
      var start = editor.selectionStart;
      var end = editor.selectionEnd;
      editor.value = editor.value.slice(0, start) + "  " + editor.value.slice(end);
      editor.selectionStart = editor.selectionEnd = start + 2;
    }
  });

  // "Open in editor" fills the editor in place rather than reloading the page.
  document.querySelectorAll("a.example[data-name]").forEach(function (link) {
    link.addEventListener("click", function (event) {
      var template = document.getElementById("example-" + link.dataset.name);
      if (!template) { return; }
      event.preventDefault();
      editor.value = template.content.textContent;
      editor.focus();
      editor.setSelectionRange(0, 0);
      editor.scrollTop = 0;
      history.replaceState(null, "", link.href);
    });
  });
})();
