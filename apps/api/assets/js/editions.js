/**
 * Progressive enhancement of the draft text boxes (both work without this script): the import form's and the
 * edition page's "Edit as draft text".
 * - text pasted from Word or Google Docs (the clipboard's text/html) is converted by the server (POST
 *   data-convert-url, the same rules as the import) into draft text with its links as [words](https://...)
 *   and its bold and italic as **words** and *words*, and that text is put in the box;
 * - on the import form, a plain-text or Markdown file chosen for upload is shown in the text box, so the
 *   editor sees what will be imported and a parse error's line number points at text on screen; a Word
 *   document (.docx) is converted as a paste is.
 * If the conversion fails, a paste falls back to the clipboard's plain text and a Word file stays chosen for
 * upload (the import then says what is wrong with it).
 */
(function () {
  'use strict';
  var DOCX = 'application/vnd.openxmlformats-officedocument.wordprocessingml.document';

  /** POSTs the document to the converter; resolves with { draft, warnings } or rejects with a message. */
  function convert(convertUrl, csrfToken, body, type) {
    return fetch(convertUrl, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'Content-Type': type, Accept: 'application/json', 'X-CSRF-Token': csrfToken },
      body: body,
    }).then(function (res) {
      return res.json().then(
        function (json) {
          if (res.ok && json && typeof json.draft === 'string') return json;
          var m = json && json.message;
          throw new Error(
            Array.isArray(m) ? m.join(' ') : m || 'The server could not convert it (' + res.status + ').',
          );
        },
        function () {
          throw new Error('The server could not convert it (' + res.status + ').');
        },
      );
    });
  }

  function warningsText(warnings) {
    if (!warnings || !warnings.length) return '';
    return (
      ' ' +
      warnings
        .map(function (w) {
          return w.message;
        })
        .join(' ')
    );
  }

  /**
   * Wires a draft text box: returns { convert(body, type), say(message) } for the caller's extras, or null
   * when the box is missing. The box names its converter (data-convert-url) and status line (data-status).
   */
  function enhance(text) {
    if (!text) return null;
    var status = document.getElementById(text.getAttribute('data-status') || '');
    var convertUrl = text.getAttribute('data-convert-url');
    var form = text.form;
    var csrfInput = form ? form.querySelector('input[name="_csrf"]') : null;
    var canConvert = !!convertUrl && !!csrfInput && typeof window.fetch === 'function';

    function say(message) {
      if (status) status.textContent = message;
    }

    function setFormatText() {
      var format = form ? form.querySelector('[name="format"]') : null;
      if (format) format.value = 'text';
    }

    /** Replaces the selection with `value`, as typing or pasting would (most browsers can undo it). */
    function insert(value) {
      var start = text.selectionStart;
      var end = text.selectionEnd;
      if (typeof text.setRangeText === 'function' && typeof start === 'number') {
        text.setRangeText(value, start, end, 'end');
      } else {
        text.value += value;
      }
      text.dispatchEvent(new Event('input', { bubbles: true }));
    }

    text.addEventListener('paste', function (event) {
      var data = event.clipboardData;
      if (!canConvert || !data) return;
      var htmlText = data.getData('text/html');
      if (!htmlText) return; // plain text: the browser pastes it as it is
      var plain = data.getData('text/plain');
      event.preventDefault();
      say('Converting the pasted text (keeping its links, bold and italic)…');
      text.setAttribute('aria-busy', 'true');
      convert(convertUrl, csrfInput.value, htmlText, 'text/html')
        .then(
          function (result) {
            insert(result.draft);
            setFormatText();
            say('Pasted with its links, bold and italic, as draft text.' + warningsText(result.warnings));
          },
          function (err) {
            insert(plain);
            say('Pasted as plain text, without links: ' + err.message);
          },
        )
        .then(function () {
          text.removeAttribute('aria-busy');
        });
    });

    return {
      canConvert: canConvert,
      convert: function (body, type) {
        return convert(convertUrl, csrfInput.value, body, type);
      },
      say: say,
      setFormatText: setFormatText,
    };
  }

  enhance(document.getElementById('draft-text'));

  var file = document.getElementById('draft-file');
  var text = document.getElementById('draft');
  var box = enhance(text);
  if (!file || !box) return;
  var canConvert = box.canConvert;
  var say = box.say;
  var setFormatText = box.setFormatText;
  var convertFile = box.convert;

  file.addEventListener('change', function () {
    var f = file.files && file.files[0];
    if (!f) return;
    var isWord = /\.docx$/i.test(f.name) || f.type === DOCX;
    if (isWord) {
      if (!canConvert || f.size > 10 * 1024 * 1024) return; // uploaded with the form; the server says what is wrong
      say('Reading the Word document…');
      convertFile(f, DOCX).then(
        function (result) {
          text.value = result.draft;
          setFormatText();
          // The text box now holds the document: submitting sends it once, as text.
          file.value = '';
          text.focus();
          say(
            'The Word document is in the text box as draft text, with its links.' +
              warningsText(result.warnings),
          );
        },
        function (err) {
          say(err.message);
        },
      );
      return;
    }
    if (/\.doc$/i.test(f.name) || typeof FileReader === 'undefined') return; // the server explains .doc
    if (f.size > 1024 * 1024) return; // the server answers with a clear message
    var reader = new FileReader();
    reader.onload = function () {
      if (typeof reader.result !== 'string') return;
      text.value = reader.result;
      var format = document.getElementById('format');
      if (format) format.value = /\.(md|markdown)$/i.test(f.name) ? 'markdown' : 'text';
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
