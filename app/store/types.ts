/** Plain state types shared by the slices (no behaviour). */
import type { Problem } from '../../workers/contracts';
import type { YoloLabel } from '../../workers/core/analysis/detection/labels';

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
  /** Objects of a YOLO label file named as the image (NAME.txt), for detection scoring; absent when none came. */
  readonly boxes?: readonly YoloLabel[];
}

export type ImageSetId = 'calibration' | 'evaluation';
