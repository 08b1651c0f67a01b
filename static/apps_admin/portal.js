// The portal's small helpers: copy buttons, select all, character counters, a busy indicator,
// scroll boxes that are tab stops only while they scroll.
// Every page works without them; they only add convenience. No inline handlers: the CSP allows only this file.
// Words come from the page: data attributes of this script's tag, translated by the template
// (English fallbacks only for a page that lacks them).
"use strict";

(function () {
    const words = (document.currentScript && document.currentScript.dataset) || {};

    function copyText(text) {
        if (navigator.clipboard && window.isSecureContext) {
            return navigator.clipboard.writeText(text);
        }
        // Plain-http development servers have no Clipboard API: fall back to a selection.
        return new Promise(function (resolve, reject) {
            const area = document.createElement("textarea");
            area.value = text;
            area.setAttribute("readonly", "");
            area.className = "visually-hidden";
            document.body.appendChild(area);
            area.select();
            const ok = document.execCommand("copy");
            document.body.removeChild(area);
            if (ok) {
                resolve();
            } else {
                reject(new Error("copy refused"));
            }
        });
    }

    function setUpCopyButtons() {
        document.querySelectorAll(".copy-button[data-copy]").forEach(function (button) {
            const label = button.textContent;
            const copied = words.copied || "Copied";
            const failed = words.copyFailed || "Select and copy";
            button.hidden = false;
            button.addEventListener("click", function () {
                copyText(button.dataset.copy).then(
                    function () {
                        button.textContent = copied;
                        button.classList.add("copied");
                        window.setTimeout(function () {
                            button.textContent = label;
                            button.classList.remove("copied");
                        }, 1500);
                    },
                    function () {
                        button.textContent = failed;
                    }
                );
            });
        });
    }

    function setUpSelectAll() {
        document.querySelectorAll("input.select-all").forEach(function (all) {
            const form = all.form || all.closest("form");
            if (!form) {
                return;
            }
            const boxes = Array.from(form.querySelectorAll("input.action-select"));
            const count = form.querySelector(".selection-count");
            const selected = words.selected || "{chosen} of {total} selected";
            function refresh() {
                const chosen = boxes.filter(function (box) { return box.checked; }).length;
                all.checked = chosen > 0 && chosen === boxes.length;
                all.indeterminate = chosen > 0 && chosen < boxes.length;
                if (count) {
                    count.hidden = false;
                    count.textContent = selected
                        .replace("{chosen}", String(chosen))
                        .replace("{total}", String(boxes.length));
                }
            }
            all.hidden = false;
            all.addEventListener("change", function () {
                boxes.forEach(function (box) { box.checked = all.checked; });
                refresh();
            });
            boxes.forEach(function (box) { box.addEventListener("change", refresh); });
            refresh();
        });
    }

    function setUpCounters() {
        document.querySelectorAll(".char-counter[data-counter-for]").forEach(function (counter) {
            const field = document.getElementById(counter.dataset.counterFor);
            const max = field ? parseInt(field.dataset.counterMax, 10) : NaN;
            if (!field || Number.isNaN(max)) {
                return;
            }
            function refresh() {
                // Count code points, as the server does (an emoji is one character).
                const used = Array.from(field.value.trim()).length;
                counter.textContent = used + " / " + max;
                counter.classList.toggle("over", used > max);
            }
            counter.hidden = false;
            field.addEventListener("input", refresh);
            refresh();
        });
    }

    // A control whose request takes more than half a second says it is working (a slow ECL
    // can take seconds); the page itself works the same without this.
    const BUSY_AFTER_MS = 500;

    function markBusy(control) {
        const timer = window.setTimeout(function () {
            control.classList.add("is-busy");
            control.setAttribute("aria-busy", "true");
            document.body.setAttribute("aria-busy", "true");
        }, BUSY_AFTER_MS);
        window.addEventListener("pagehide", function () { window.clearTimeout(timer); });
    }

    function clearBusy() {
        document.querySelectorAll(".is-busy").forEach(function (control) {
            control.classList.remove("is-busy");
            control.removeAttribute("aria-busy");
        });
        document.body.removeAttribute("aria-busy");
    }

    function setUpBusyIndicator() {
        document.addEventListener("submit", function (event) {
            if (event.defaultPrevented) {
                return;
            }
            const control = event.submitter || event.target.querySelector("[type=submit]");
            markBusy(control || event.target);
        });
        document.addEventListener("click", function (event) {
            const link = event.target.closest && event.target.closest("a[href]");
            if (!link || event.defaultPrevented || event.button !== 0 || event.ctrlKey ||
                event.metaKey || event.shiftKey || link.target || link.hasAttribute("download") ||
                link.origin !== window.location.origin || link.pathname.endsWith(".csv") ||
                link.getAttribute("href").startsWith("#")) {
                return;
            }
            markBusy(link);
        });
        // Back to a page from the browser's cache: nothing is under way any more.
        window.addEventListener("pageshow", clearBusy);
    }

    // A box that scrolls (a wide table on a phone) is a tab stop, so that arrow keys can scroll
    // it; one that fits its content is not, so that it costs no Tab press. Without this script
    // every such box stays a tab stop.
    function setUpScrollBoxes() {
        const boxes = document.querySelectorAll("[data-scroll-box]");
        function refresh() {
            boxes.forEach(function (box) {
                const scrolls = box.scrollWidth > box.clientWidth + 1 ||
                    box.scrollHeight > box.clientHeight + 1;
                if (scrolls) {
                    box.setAttribute("tabindex", "0");
                } else if (document.activeElement !== box) {
                    box.removeAttribute("tabindex");
                }
            });
        }
        if (boxes.length && "ResizeObserver" in window) {
            const observer = new ResizeObserver(refresh);
            boxes.forEach(function (box) { observer.observe(box); });
        }
        refresh();
    }

    function start() {
        setUpScrollBoxes();
        setUpCopyButtons();
        setUpSelectAll();
        setUpCounters();
        setUpBusyIndicator();
    }

    if (document.readyState === "loading") {
        document.addEventListener("DOMContentLoaded", start);
    } else {
        start();
    }
}());
