import { useRef, useState, type DragEvent, type ReactNode } from 'react';
import { pickedFromFileList, readDrop, type PickedFile } from '../lib/files';

/**
 * A drop target for files and folders plus file (and optionally folder) pickers. Calls `onFiles` with
 * a promise so folder reading happens after the drop event returns.
 */
export function DropZone(props: {
  label: string;
  testId: string;
  accept?: string;
  folders?: boolean;
  disabled?: boolean;
  onFiles: (files: Promise<PickedFile[]>) => void;
  children?: ReactNode;
}) {
  const [over, setOver] = useState(false);
  const files = useRef<HTMLInputElement>(null);
  const folder = useRef<HTMLInputElement>(null);
  const onDrop = (e: DragEvent) => {
    e.preventDefault();
    setOver(false);
    if (props.disabled) return;
    props.onFiles(readDrop(e.dataTransfer));
  };
  const onPick = (input: HTMLInputElement | null) => {
    if (!input?.files || input.files.length === 0) return;
    const picked = pickedFromFileList(input.files);
    input.value = '';
    props.onFiles(Promise.resolve(picked));
  };
  return (
    <div
      className={`dropzone${over ? ' over' : ''}`}
      role="group"
      aria-label={props.label}
      data-testid={props.testId}
      onDragOver={(e) => {
        e.preventDefault();
        e.dataTransfer.dropEffect = 'copy';
        setOver(true);
      }}
      onDragLeave={() => setOver(false)}
      onDrop={onDrop}
    >
      <p className="dropzone-text">{props.label}</p>
      <div className="row">
        <button type="button" disabled={props.disabled} onClick={() => files.current?.click()}>
          Choose files…
        </button>
        {props.folders ? (
          <button type="button" disabled={props.disabled} onClick={() => folder.current?.click()}>
            Choose a folder…
          </button>
        ) : null}
        {props.children}
      </div>
      <input
        ref={files}
        type="file"
        multiple
        hidden
        accept={props.accept}
        aria-label={`${props.label}: choose files`}
        data-testid={`${props.testId}-input`}
        onChange={(e) => onPick(e.currentTarget)}
      />
      {props.folders ? (
        <input
          ref={folder}
          type="file"
          hidden
          multiple
          aria-label={`${props.label}: choose a folder`}
          data-testid={`${props.testId}-folder-input`}
          onChange={(e) => onPick(e.currentTarget)}
          {...{ webkitdirectory: '' }}
        />
      ) : null}
    </div>
  );
}
