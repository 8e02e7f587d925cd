// Reads TLT/TAO console output as it streams: split on \r and \n (Keras redraws its progress bar with \r
// when it thinks it has a TTY), one event per recognised line. The formats (reference: tao-yolov4.md):
//   Epoch 3/80
//    12/12 [==============================] - 58s 4s/step - loss: 5318.8814
//   *******************************            <- exactly 31 '*' open and close the AP table
//   apple         AP    0.47147                <- "{:<14}{:<6}{}": class, "AP", value
//                 mAP   0.47147
//   *******************************
//   Validation loss: 41.868
//   Epoch 00010: saving model to /workspace/.../weights/yolov4_resnet18_epoch_010.tlt
//   Execution status: PASS
export type TaoLogEvent =
  | { type: 'epoch-start'; epoch: number; epochs: number }
  | { type: 'step'; epoch: number; epochs: number; step: number; steps: number; loss: number | null }
  | { type: 'ap-table'; ap: Record<string, number>; map: number | null }
  | { type: 'validation-loss'; value: number }
  | { type: 'checkpoint-saving'; epoch: number; path: string }
  | { type: 'status'; pass: boolean }
  /** Any other non-empty line (it shows, for one, that a checkpoint announced before it was written). */
  | { type: 'other'; line: string };

const TABLE_RULE = /^\*{31}$/;
const NUMBER = String.raw`[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?|nan|inf`;
const EPOCH = /^Epoch (\d+)\/(\d+)\s*$/;
const STEP = new RegExp(String.raw`^\s*(\d+)\/(\d+) \[[=>.]*\](?:.*? - loss: (${NUMBER}))?`);
// A class longer than 14 characters runs straight into "AP" ("{:<14}" pads, never truncates).
const AP_LINE = new RegExp(String.raw`^(\S+?)\s*AP\s+(${NUMBER})\s*$`);
const MAP_LINE = new RegExp(String.raw`^\s*mAP\s+(${NUMBER})\s*$`);
const VALIDATION_LOSS = new RegExp(String.raw`^Validation loss: (${NUMBER})\s*$`);
const SAVING = /^Epoch (\d+): saving model to (\S+)\s*$/;
const STATUS = /Execution status: (PASS|FAIL)\b/;

function toNumber(text: string): number {
  return text === 'nan' ? NaN : text === 'inf' ? Infinity : Number(text);
}

export class TaoLogParser {
  private pending = '';
  private epoch = 0;
  private epochs = 0;
  private table: { ap: Record<string, number>; map: number | null } | null = null;

  /** Feeds a chunk of output; returns the events of the lines it completed. */
  push(chunk: string): TaoLogEvent[] {
    const parts = (this.pending + chunk).split(/\r\n|\r|\n/);
    this.pending = parts.pop() ?? '';
    return parts.flatMap((line) => this.line(line));
  }

  /** Flushes a last line without a newline (the stream ended). */
  end(): TaoLogEvent[] {
    const last = this.pending;
    this.pending = '';
    return last ? this.line(last) : [];
  }

  private line(line: string): TaoLogEvent[] {
    if (TABLE_RULE.test(line.trim())) {
      if (!this.table) {
        this.table = { ap: {}, map: null };
        return [];
      }
      const done = this.table;
      this.table = null;
      return [{ type: 'ap-table', ...done }];
    }
    if (this.table) {
      const map = MAP_LINE.exec(line);
      if (map) this.table.map = toNumber(map[1]);
      const ap = AP_LINE.exec(line);
      if (ap) this.table.ap[ap[1]] = toNumber(ap[2]);
      return [];
    }
    let m: RegExpExecArray | null;
    if ((m = EPOCH.exec(line))) {
      this.epoch = Number(m[1]);
      this.epochs = Number(m[2]);
      return [{ type: 'epoch-start', epoch: this.epoch, epochs: this.epochs }];
    }
    if ((m = STEP.exec(line))) {
      return [
        {
          type: 'step',
          epoch: this.epoch,
          epochs: this.epochs,
          step: Number(m[1]),
          steps: Number(m[2]),
          loss: m[3] === undefined ? null : toNumber(m[3]),
        },
      ];
    }
    if ((m = VALIDATION_LOSS.exec(line))) return [{ type: 'validation-loss', value: toNumber(m[1]) }];
    if ((m = SAVING.exec(line))) return [{ type: 'checkpoint-saving', epoch: Number(m[1]), path: m[2] }];
    if ((m = STATUS.exec(line))) return [{ type: 'status', pass: m[1] === 'PASS' }];
    return line.trim() ? [{ type: 'other', line }] : [];
  }
}
