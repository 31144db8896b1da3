// Passkeys (WebAuthn), the only script oxidp's pages load. A form marked
// data-passkey="get" (sign in) or "create" (register) stays hidden unless
// the browser supports passkeys; on submit it posts its fields to
// data-options for the ceremony's options, runs navigator.credentials, and
// submits itself with the browser's answer as JSON in `credential`. The
// server keeps the challenge and checks everything (webauthn-rs).
"use strict";
(() => {
  if (!window.PublicKeyCredential || !navigator.credentials) return;

  const toBytes = (text) => {
    const b64 = text.replace(/-/g, "+").replace(/_/g, "/");
    const raw = atob(b64 + "=".repeat((4 - (b64.length % 4)) % 4));
    return Uint8Array.from(raw, (c) => c.charCodeAt(0));
  };
  const toText = (buffer) => {
    let raw = "";
    for (const byte of new Uint8Array(buffer)) raw += String.fromCharCode(byte);
    return btoa(raw).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  };
  const withIds = (list) => (list || []).map((c) => ({ ...c, id: toBytes(c.id) }));

  async function create(options) {
    const publicKey = { ...options.publicKey, challenge: toBytes(options.publicKey.challenge) };
    publicKey.user = { ...publicKey.user, id: toBytes(publicKey.user.id) };
    publicKey.excludeCredentials = withIds(publicKey.excludeCredentials);
    const credential = await navigator.credentials.create({ publicKey });
    const response = credential.response;
    return {
      id: credential.id,
      rawId: toText(credential.rawId),
      type: credential.type,
      response: {
        attestationObject: toText(response.attestationObject),
        clientDataJSON: toText(response.clientDataJSON),
        transports: response.getTransports ? response.getTransports() : undefined,
      },
      extensions: {},
    };
  }

  async function get(options) {
    const publicKey = { ...options.publicKey, challenge: toBytes(options.publicKey.challenge) };
    publicKey.allowCredentials = withIds(publicKey.allowCredentials);
    const credential = await navigator.credentials.get({ publicKey });
    const response = credential.response;
    return {
      id: credential.id,
      rawId: toText(credential.rawId),
      type: credential.type,
      response: {
        authenticatorData: toText(response.authenticatorData),
        clientDataJSON: toText(response.clientDataJSON),
        signature: toText(response.signature),
        userHandle: response.userHandle ? toText(response.userHandle) : null,
      },
      extensions: {},
    };
  }

  for (const form of document.querySelectorAll("form[data-passkey]")) {
    const status = form.querySelector("[data-passkey-status]");
    form.hidden = false;
    form.addEventListener("submit", async (event) => {
      if (form.elements.credential.value) return;
      event.preventDefault();
      if (status) status.hidden = true;
      try {
        const fields = new URLSearchParams(new FormData(form));
        const answer = await fetch(form.dataset.options, { method: "POST", body: fields, credentials: "same-origin" });
        if (!answer.ok) throw new Error(`options: ${answer.status}`);
        const options = await answer.json();
        if (options.ceremony && form.elements.ceremony) form.elements.ceremony.value = options.ceremony;
        const credential = form.dataset.passkey === "create" ? await create(options) : await get(options);
        form.elements.credential.value = JSON.stringify(credential);
        form.submit();
      } catch (error) {
        if (status) {
          status.textContent = form.dataset.failed;
          status.hidden = false;
        }
      }
    });
  }
})();
