/** Plain state types shared by the slices (no behaviour). */
import type { Problem } from '../../workers/contracts';

export type { Problem };

/** A long-running thing's life: 'working' shows progress, 'error' shows the problem. */
export type Status = 'idle' | 'working' | 'ready' | 'error';

/** One image the user gave (a File is a Blob). */
export interface ImageItem {
  readonly id: number;
  /** Base file name. */
  readonly name: string;
  /** Relative path inside a dropped or picked folder, else the name. */
  readonly path: string;
  readonly blob: Blob;
  /** Class index, when known (labels CSV, class folder, ImageNet wnid prefix). */
  readonly label: number | null;
}

export type ImageSetId = 'calibration' | 'evaluation';
