/**
 * Files from the user: a file picker's FileList, or a drop (files AND whole folders, read recursively
 * through DataTransferItem.webkitGetAsEntry). Paths are kept relative to the dropped folder so labels
 * can come from class folders.
 */
export interface PickedFile {
  readonly file: File;
  /** Relative path ('folder/sub/name.jpg'), or the name for a loose file. */
  readonly path: string;
}

export const IMAGE_FILE = /\.(jpe?g|png|webp|bmp|gif)$/i;

export function isImageFile(f: PickedFile): boolean {
  return IMAGE_FILE.test(f.path) || (f.file.type.startsWith('image/') && !f.file.type.includes('svg'));
}

export function pickedFromFileList(list: FileList | readonly File[]): PickedFile[] {
  return Array.from(list, (file) => ({ file, path: file.webkitRelativePath || file.name }));
}

/**
 * Takes what a drop carries. Entries must be taken synchronously inside the drop event (the
 * DataTransfer is emptied afterwards); the returned promise then reads folders at leisure.
 */
export function readDrop(dt: DataTransfer): Promise<PickedFile[]> {
  const entries: FileSystemEntry[] = [];
  const loose: File[] = [];
  for (const item of Array.from(dt.items ?? [])) {
    if (item.kind !== 'file') continue;
    const entry = typeof item.webkitGetAsEntry === 'function' ? item.webkitGetAsEntry() : null;
    if (entry) entries.push(entry);
    else {
      const file = item.getAsFile();
      if (file) loose.push(file);
    }
  }
  if (entries.length === 0 && loose.length === 0) loose.push(...Array.from(dt.files ?? []));
  return (async () => {
    const out = pickedFromFileList(loose);
    for (const entry of entries) out.push(...(await readEntry(entry, '')));
    return out;
  })();
}

function fileOf(entry: FileSystemFileEntry): Promise<File> {
  return new Promise((resolve, reject) => entry.file(resolve, reject));
}

function readBatch(reader: FileSystemDirectoryReader): Promise<FileSystemEntry[]> {
  return new Promise((resolve, reject) => reader.readEntries(resolve, reject));
}

async function readEntry(entry: FileSystemEntry, prefix: string): Promise<PickedFile[]> {
  const path = prefix ? `${prefix}/${entry.name}` : entry.name;
  if (entry.isFile) return [{ file: await fileOf(entry as FileSystemFileEntry), path }];
  if (!entry.isDirectory) return [];
  const reader = (entry as FileSystemDirectoryEntry).createReader();
  const out: PickedFile[] = [];
  // readEntries returns at most ~100 entries per call: read until an empty batch.
  for (let batch = await readBatch(reader); batch.length > 0; batch = await readBatch(reader)) {
    for (const child of batch) out.push(...(await readEntry(child, path)));
  }
  return out;
}
