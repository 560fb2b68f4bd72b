/** Saves bytes as a download (an object URL on a temporary link). */
export function saveFile(file: { readonly name: string; readonly mime: string; readonly bytes: Uint8Array }): void {
  const url = URL.createObjectURL(new Blob([file.bytes as Uint8Array<ArrayBuffer>], { type: file.mime }));
  const a = document.createElement('a');
  a.href = url;
  a.download = file.name;
  a.rel = 'noopener';
  a.style.display = 'none';
  document.body.append(a);
  a.click();
  a.remove();
  // The download has started from the URL; keep it a while for slow browsers, then free it.
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}
