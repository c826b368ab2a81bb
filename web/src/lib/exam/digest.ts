/** The SHA-256 of `blob`, base64, as an RFC 9530 Content-Digest carries it (the api checks it). */
export async function sha256Base64(blob: Blob): Promise<string> {
  const bytes = new Uint8Array(await crypto.subtle.digest('SHA-256', await blob.arrayBuffer()));
  let text = '';
  for (const byte of bytes) text += String.fromCharCode(byte);
  return btoa(text);
}
