/* Sections as tabs (the ARIA tabs pattern), from a local navigation of anchors:
 *
 *   <nav data-tabs><ul><li><a href="#texte" id="tab-texte">Texte</a></li>…</ul></nav>
 *   <section id="texte">…</section>
 *
 * Without this script every section shows, one after the other, under the navigation.
 * With it, one section shows at a time; the others are hidden with the `hidden`
 * attribute, never removed (the editor in one of them stays mounted and connected).
 * The address's hash opens its tab: a section's id (#jury), or any element inside a
 * section (#jury-title, #files-title, #comments), then scrolls to that element. Arrow
 * keys, Home and End move between tabs (templates/coelab/deliverables/page.html).
 * A static file: the Content-Security-Policy forbids inline scripts. */
(function () {
  "use strict";

  function setUp(nav) {
    var list = nav.querySelector("ul");
    var links = Array.prototype.slice.call(nav.querySelectorAll("a[href^='#']"));
    var tabs = [];
    links.forEach(function (link) {
      var panel = document.getElementById(link.getAttribute("href").slice(1));
      if (panel) tabs.push({ tab: link, panel: panel, name: panel.id });
    });
    if (!tabs.length) return;

    list.setAttribute("role", "tablist");
    var label = nav.getAttribute("aria-label");
    if (label) list.setAttribute("aria-label", label);
    Array.prototype.forEach.call(list.children, function (li) {
      li.setAttribute("role", "presentation");
    });
    tabs.forEach(function (t) {
      t.tab.setAttribute("role", "tab");
      t.tab.setAttribute("aria-controls", t.panel.id);
      t.panel.setAttribute("role", "tabpanel");
      t.panel.setAttribute("aria-labelledby", t.tab.id);
      t.panel.setAttribute("tabindex", "-1");
    });
    nav.classList.add("tabs-ready");
    document.documentElement.classList.add("has-tabs");

    function select(target, options) {
      options = options || {};
      tabs.forEach(function (t) {
        var on = t === target;
        t.tab.setAttribute("aria-selected", on ? "true" : "false");
        t.tab.setAttribute("tabindex", on ? "0" : "-1");
        t.panel.hidden = !on;
      });
      if (options.focus) target.tab.focus();
      if (options.remember && window.history && window.history.replaceState) {
        window.history.replaceState(null, "", "#" + target.name);
      }
      // widgets that measure themselves (the editor) may listen for this
      target.panel.dispatchEvent(new CustomEvent("coelab:tab-shown", { bubbles: true }));
    }

    /* a section opened from an address: the tabs above it in view, or the element
       the address names inside it */
    function reveal(target, element) {
      (element === target.panel ? nav : element).scrollIntoView({ block: "start" });
    }

    function tabOf(element) {
      for (var i = 0; i < tabs.length; i++) {
        if (tabs[i].panel === element || tabs[i].panel.contains(element)) return tabs[i];
      }
      return null;
    }

    /* the editor's side panel, where the comments are, opens on this event
       (frontend/src/layout.js, setupSidePanel); its script may start after this one */
    function revealComments(element) {
      element.dispatchEvent(new CustomEvent("coelab:reveal", { bubbles: true }));
      window.addEventListener("load", function () {
        if (window.location.hash === "#commentaires") {
          element.dispatchEvent(new CustomEvent("coelab:reveal", { bubbles: true }));
          // after the browser's own jump to the address's anchor
          element.scrollIntoView({ block: "start" });
        }
      }, { once: true });
      // and once the text has arrived, which pushes the comments down on a phone
      var status = document.getElementById("connection-status");
      if (!status || !window.MutationObserver) return;
      var observer = new MutationObserver(function () {
        if (status.getAttribute("data-state") !== "connected") return;
        observer.disconnect();
        window.requestAnimationFrame(function () {
          if (window.location.hash === "#commentaires") element.scrollIntoView({ block: "start" });
        });
      });
      observer.observe(status, { attributes: true, attributeFilter: ["data-state"] });
    }

    /* the tab holding the hash's element; #commentaires also opens the comments' panel
       beside the text, when the editor folds it */
    function fromHash(scroll) {
      var id = decodeURIComponent(window.location.hash.slice(1));
      if (!id) return false;
      var element = document.getElementById(id);
      var target = element && tabOf(element);
      if (!target) return false;
      select(target);
      if (id === "commentaires") {
        element = document.getElementById("comments") || element;
        revealComments(element);
      }
      if (scroll) reveal(target, element);
      return true;
    }

    tabs.forEach(function (t, index) {
      t.tab.addEventListener("click", function (event) {
        event.preventDefault();
        select(t, { remember: true });
      });
      t.tab.addEventListener("keydown", function (event) {
        var next = null;
        if (event.key === "ArrowRight" || event.key === "ArrowDown") {
          next = tabs[(index + 1) % tabs.length];
        } else if (event.key === "ArrowLeft" || event.key === "ArrowUp") {
          next = tabs[(index - 1 + tabs.length) % tabs.length];
        } else if (event.key === "Home") {
          next = tabs[0];
        } else if (event.key === "End") {
          next = tabs[tabs.length - 1];
        }
        if (next) {
          event.preventDefault();
          select(next, { focus: true, remember: true });
        }
      });
    });

    window.addEventListener("hashchange", function () { fromHash(true); });
    // a link to a section of this page (the header's "Aller au jury") opens its tab
    document.addEventListener("click", function (event) {
      var link = event.target.closest && event.target.closest("a[href*='#']");
      if (!link || nav.contains(link) || link.pathname !== window.location.pathname) return;
      var element = document.getElementById(decodeURIComponent(link.hash.slice(1)));
      var target = element && tabOf(element);
      if (!target) return;
      event.preventDefault();
      select(target, { remember: true });
      reveal(target, element);
      target.panel.focus({ preventScroll: true });
    });

    if (!fromHash(true)) select(tabs[0]);
  }

  function start() {
    Array.prototype.forEach.call(document.querySelectorAll("nav[data-tabs]"), setUp);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
