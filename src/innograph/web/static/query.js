// The page works without this script; it only adds shortcuts.
(function () {
  "use strict";
  var form = document.getElementById("query-form");
  var editor = document.getElementById("query");
  var picker = document.getElementById("named-query");
  var nameField = document.getElementById("query-name");
  var original = editor ? editor.value : "";
  if (editor) {
    editor.addEventListener("keydown", function (event) {
      if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
        event.preventDefault();
        form.requestSubmit ? form.requestSubmit() : form.submit();
      }
      if (event.key === "Tab" && !event.shiftKey) {
        event.preventDefault();
        var start = editor.selectionStart;
        editor.setRangeText("  ", start, editor.selectionEnd, "end");
      }
    });
    editor.addEventListener("input", function () {
      // An edited named query is run as typed, not as the named one.
      if (nameField && editor.value !== original && nameField.parentNode) {
        nameField.parentNode.removeChild(nameField);
      }
    });
  }
  if (picker) {
    picker.addEventListener("change", function () {
      document.getElementById("picker").submit();
    });
  }
})();
