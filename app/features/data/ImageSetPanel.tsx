import { useEffect, useMemo, useState } from 'react';
import { useStore, type ImageSetId } from '../../store';
import { addImages, clearImages, refreshPreview } from '../../store/actions';
import { DropZone } from '../../components/DropZone';
import { checkImageBlob } from '../../../workers/core/intake/image-header';

const THUMBNAILS = 8;

/**
 * Whether the page may show the file in an <img>: not when its size or its header's pixels are past
 * the limits (a 16000x16000 PNG would decode to a gigabyte for a 56-pixel thumbnail). The workers
 * refuse such files with a message (the preview, the skipped images); here they just get no picture.
 */
const thumbnailable = (blob: Blob): Promise<boolean> =>
  checkImageBlob(blob, '').then(
    () => true,
    () => false,
  );

function Thumbnails(props: { set: ImageSetId }) {
  const items = useStore((s) => s.data[props.set].items);
  const first = useMemo(() => items.slice(0, THUMBNAILS), [items]);
  const [urls, setUrls] = useState<Array<string | null>>([]);
  useEffect(() => {
    let live = true;
    const made: string[] = [];
    void Promise.all(first.map((i) => thumbnailable(i.blob))).then((ok) => {
      if (!live) return;
      const next = first.map((i, k) => (ok[k] ? URL.createObjectURL(i.blob) : null));
      made.push(...next.filter((u): u is string => u !== null));
      setUrls(next);
    });
    return () => {
      live = false;
      made.forEach((u) => URL.revokeObjectURL(u));
    };
  }, [first]);
  if (first.length === 0) return null;
  return (
    <ul className="thumbnails" aria-label="First images">
      {first.map((item, k) => (
        <li key={item.id} data-testid="thumbnail" data-path={item.path} data-label={item.label ?? ''}>
          <button type="button" className="thumb" title={`Preview ${item.path}`} aria-label={`Preview ${item.name}`} onClick={() => void refreshPreview(item.id)}>
            {urls[k] ? <img src={urls[k]} alt="" width={56} height={56} loading="lazy" decoding="async" /> : null}
          </button>
        </li>
      ))}
    </ul>
  );
}

export function ImageSetPanel(props: { set: ImageSetId; title: string; hint: string }) {
  const state = useStore((s) => s.data[props.set]);
  const reading = useStore((s) => s.data.reading);
  const labelled = state.items.filter((i) => i.label !== null).length;
  const withBoxes = state.items.filter((i) => i.boxes !== undefined).length;
  return (
    <div className="panel" data-testid={`images-${props.set}`}>
      <h3>{props.title}</h3>
      <p className="muted">{props.hint}</p>
      <DropZone label={`Drop ${props.set} images or folders`} testId={`drop-${props.set}`} accept="image/*,.csv,.txt" folders disabled={reading} onFiles={(files) => void addImages(props.set, files)}>
        {state.items.length ? (
          <button type="button" onClick={() => clearImages(props.set)}>
            Clear
          </button>
        ) : null}
      </DropZone>
      <p data-testid={`images-${props.set}-count`}>
        {state.items.length} image(s){labelled ? `, ${labelled} labelled` : ''}
        {withBoxes ? `, ${withBoxes} with YOLO boxes` : ''}
        {state.labelsFrom ? ` (labels: ${state.labelsFrom})` : ''}
      </p>
      {state.leftOut.length ? (
        <p className="muted" data-testid={`images-${props.set}-left-out`}>
          Left out (not images): {state.leftOut.slice(0, 5).join(', ')}
          {state.leftOut.length > 5 ? ` and ${state.leftOut.length - 5} more` : ''}
        </p>
      ) : null}
      <Thumbnails set={props.set} />
    </div>
  );
}
