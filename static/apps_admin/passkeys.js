// Passkeys (WebAuthn): a button with data-passkey="register" or "authenticate" asks the portal
// for the ceremony's options (POST to data-options-url, with the form's CSRF token), lets the
// browser make or use the passkey, puts the browser's answer as JSON into the form's
// input[data-passkey-answer] and sends the form. Without JavaScript or WebAuthn the button says
// so, and the other ways (a code) still work.
"use strict";

(function () {
  function toBytes(base64url) {
    const base64 = base64url.replace(/-/g, "+").replace(/_/g, "/");
    const padded = base64 + "=".repeat((4 - (base64.length % 4)) % 4);
    return Uint8Array.from(atob(padded), (c) => c.charCodeAt(0)).buffer;
  }

  function toBase64url(buffer) {
    let text = "";
    for (const byte of new Uint8Array(buffer)) text += String.fromCharCode(byte);
    return btoa(text).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function creationOptions(json) {
    const options = { ...json, challenge: toBytes(json.challenge), user: { ...json.user, id: toBytes(json.user.id) } };
    options.excludeCredentials = (json.excludeCredentials || []).map((c) => ({ ...c, id: toBytes(c.id) }));
    return options;
  }

  function requestOptions(json) {
    const options = { ...json, challenge: toBytes(json.challenge) };
    options.allowCredentials = (json.allowCredentials || []).map((c) => ({ ...c, id: toBytes(c.id) }));
    return options;
  }

  function answer(credential) {
    const response = credential.response;
    const out = {
      id: credential.id,
      rawId: toBase64url(credential.rawId),
      type: credential.type,
      clientExtensionResults: credential.getClientExtensionResults(),
      authenticatorAttachment: credential.authenticatorAttachment || undefined,
      response: { clientDataJSON: toBase64url(response.clientDataJSON) },
    };
    if (response.attestationObject) {
      out.response.attestationObject = toBase64url(response.attestationObject);
      out.response.transports = response.getTransports ? response.getTransports() : [];
    } else {
      out.response.authenticatorData = toBase64url(response.authenticatorData);
      out.response.signature = toBase64url(response.signature);
      if (response.userHandle) out.response.userHandle = toBase64url(response.userHandle);
    }
    return JSON.stringify(out);
  }

  async function ceremony(button) {
    const form = button.form;
    const status = document.getElementById(button.dataset.status || "");
    const say = (text) => { if (status) status.textContent = text; };
    if (!window.PublicKeyCredential || !navigator.credentials) {
      say(button.dataset.unsupported || "");
      return;
    }
    const token = form.querySelector("input[name=csrfmiddlewaretoken]").value;
    const reply = await fetch(button.dataset.optionsUrl, {
      method: "POST",
      headers: { "X-CSRFToken": token, "Content-Type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ purpose: button.dataset.passkey }),
      credentials: "same-origin",
    });
    if (!reply.ok) {
      say(button.dataset.failed || "");
      return;
    }
    const json = await reply.json();
    let credential;
    try {
      credential = button.dataset.passkey === "register"
        ? await navigator.credentials.create({ publicKey: creationOptions(json) })
        : await navigator.credentials.get({ publicKey: requestOptions(json) });
    } catch (error) {
      say(button.dataset.failed || String(error));
      return;
    }
    form.querySelector("input[data-passkey-answer]").value = answer(credential);
    const submit = form.querySelector("[data-passkey-submit]");
    if (submit) form.requestSubmit(submit); else form.requestSubmit();
  }

  document.addEventListener("click", (event) => {
    const button = event.target.closest("button[data-passkey]");
    if (!button) return;
    event.preventDefault();
    ceremony(button);
  });
})();
