"""Reference COCO AP from pycocotools, for tests of core/metrics/coco-ap.ts.

Reads on stdin
  {"images": [name, ...],
   "gt": {name: [{"bbox": [x1, y1, x2, y2], "cls": "apple"}, ...]},
   "dt": {name: [{"bbox": [x1, y1, x2, y2], "cls": "apple", "score": 0.9}, ...]}}
(boxes in continuous pixel-edge coordinates, converted to COCO's [x, y, w, h] as [x1, y1, x2 - x1, y2 - y1])
and prints {"ap": mean precision over IoU .50:.95, "ap50": at IoU .50, "ap75": at IoU .75}, area range
"all", maxDets 1000 (params.maxDets = [1, 10, 1000]). The numbers are read from eval["precision"]: COCOeval's
summarize() hard-codes 100 detections per image in its first line. Precision entries of classes without
ground truth are -1 and left out of the means, as summarize() does.
"""
import contextlib
import io
import json
import sys

import numpy as np
from pycocotools.coco import COCO
from pycocotools.cocoeval import COCOeval

case = json.load(sys.stdin)
ids = {name: i + 1 for i, name in enumerate(sorted(case["images"]))}
classes = sorted({b["cls"].lower() for boxes in case["gt"].values() for b in boxes})
cat = {c: i + 1 for i, c in enumerate(classes)}


def xywh(b):
    x1, y1, x2, y2 = b["bbox"]
    return [x1, y1, x2 - x1, y2 - y1]


gt = {"images": [{"id": i} for i in ids.values()], "categories": [{"id": i, "name": c} for c, i in cat.items()], "annotations": []}
for name, boxes in case["gt"].items():
    for b in boxes:
        x, y, w, h = xywh(b)
        gt["annotations"].append({"id": len(gt["annotations"]) + 1, "image_id": ids[name], "category_id": cat[b["cls"].lower()],
                                  "bbox": [x, y, w, h], "area": w * h, "iscrowd": 0})
dt = [{"image_id": ids[name], "category_id": cat[b["cls"].lower()], "bbox": xywh(b), "score": b["score"]}
      for name, boxes in case["dt"].items() for b in boxes if b["cls"].lower() in cat]

with contextlib.redirect_stdout(io.StringIO()):
    coco = COCO()
    coco.dataset = gt
    coco.createIndex()
    result = coco.loadRes(dt) if dt else COCO()
    ev = COCOeval(coco, result, "bbox")
    ev.params.maxDets = [1, 10, 1000]
    ev.evaluate()
    ev.accumulate()

precision = ev.eval["precision"][:, :, :, 0, 2]  # T x R x K at area "all", maxDets 1000


def mean_valid(p):
    valid = p[p > -1]
    return float(np.mean(valid)) if valid.size else 0.0


print(json.dumps({"ap": mean_valid(precision), "ap50": mean_valid(precision[0]), "ap75": mean_valid(precision[5])}))
