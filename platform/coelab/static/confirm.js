/* Confirmation before an irreversible step. A form (or its submit button) carrying
   data-confirm="<question>" asks the question in a modal dialog with "Confirmer" and
   "Annuler" buttons before it is sent; cancelling (the button, Escape) sends nothing.
   Loaded by templates/coelab/base.html, whose <script> tag gives the buttons' labels
   (data-yes, data-no) in the page's language. A static file: the content security
   policy forbids inline scripts (coelab/headers.py). Without JavaScript the form is
   sent as before. */
(function () {
  "use strict";

  var script = document.currentScript;
  var labels = {
    yes: (script && script.dataset.yes) || "Confirmer",
    no: (script && script.dataset.no) || "Annuler",
  };
  var confirmed = new WeakSet();
  var dialog = null;

  function build() {
    dialog = document.createElement("dialog");
    dialog.className = "confirm-dialog";
    dialog.setAttribute("aria-labelledby", "confirm-dialog-question");
    var form = document.createElement("form");
    form.method = "dialog";
    var question = document.createElement("p");
    question.id = "confirm-dialog-question";
    var actions = document.createElement("p");
    actions.className = "actions";
    var no = document.createElement("button");
    no.type = "submit";
    no.value = "cancel";
    no.textContent = labels.no;
    no.setAttribute("autofocus", "");
    var yes = document.createElement("button");
    yes.type = "submit";
    yes.value = "confirm";
    yes.className = "primary";
    yes.textContent = labels.yes;
    actions.append(no, yes);
    form.append(question, actions);
    dialog.append(form);
    document.body.append(dialog);
    return dialog;
  }

  function ask(text, then) {
    var box = dialog || build();
    box.querySelector("#confirm-dialog-question").textContent = text;
    box.returnValue = "";
    var opener = document.activeElement;
    box.addEventListener("close", function done() {
      box.removeEventListener("close", done);
      if (opener && typeof opener.focus === "function") {
        opener.focus();
      }
      then(box.returnValue === "confirm");
    });
    box.showModal();
    box.querySelector("button[value=cancel]").focus();
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    var submitter = event.submitter || null;
    var text = (submitter && submitter.dataset.confirm) || form.dataset.confirm;
    if (!text || form.method === "dialog") {
      return;
    }
    if (confirmed.has(form)) {
      confirmed.delete(form);
      return;
    }
    event.preventDefault();
    if (typeof HTMLDialogElement !== "function") {
      // an old browser: its own confirmation box
      if (window.confirm(text)) {
        confirmed.add(form);
        form.requestSubmit(submitter);
      }
      return;
    }
    ask(text, function (ok) {
      if (ok) {
        confirmed.add(form);
        if (submitter) {
          form.requestSubmit(submitter);
        } else {
          form.requestSubmit();
        }
      }
    });
  }, true);
})();
