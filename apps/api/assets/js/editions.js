/**
 * Progressive enhancement of the draft import form (it works without this script): a draft file chosen for
 * upload is shown in the text box, so the editor sees what will be imported and a parse error's line number
 * points at text on screen.
 */
(function () {
  'use strict';
  var file = document.getElementById('draft-file');
  var text = document.getElementById('draft');
  if (!file || !text || typeof FileReader === 'undefined') return;
  file.addEventListener('change', function () {
    var f = file.files && file.files[0];
    if (!f) return;
    if (f.size > 1024 * 1024) return; // the server answers with a clear message
    var reader = new FileReader();
    reader.onload = function () {
      if (typeof reader.result !== 'string') return;
      text.value = reader.result;
      if (/\.(md|markdown)$/i.test(f.name)) {
        var format = document.getElementById('format');
        if (format) format.value = 'markdown';
      }
      // The text box now holds the file: submitting sends it once, as text.
      file.value = '';
      text.focus();
    };
    reader.readAsText(f);
  });
})();

/**
 * The send form with failed pre-send checks: "Send now" and "Schedule" stay disabled until "Send anyway,
 * despite N failed checks" is ticked (the server refuses the form without the box as well).
 */
(function () {
  'use strict';
  var box = document.getElementById('override-failed-checks');
  if (!box) return;
  var buttons = [document.getElementById('send-now'), document.getElementById('send-schedule')];
  function sync() {
    for (var i = 0; i < buttons.length; i++) if (buttons[i]) buttons[i].disabled = !box.checked;
  }
  box.addEventListener('change', sync);
  sync();
})();
