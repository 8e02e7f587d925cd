"""Reference COCO AP from pycocotools, for tests of core/metrics: reads
{"images": [name...], "gt": {name: [[x1,y1,x2,y2], ...]}, "dt": {name: [[x1,y1,x2,y2,score], ...]}}
on stdin and prints {"ap": mean precision over IoU .50:.95, "ap50": at IoU .50} with maxDets 1000
(read from the precision array: summarize() hard-codes 100 detections per image)."""
import contextlib
import io
import json
import sys

import numpy as np
from pycocotools.coco import COCO
from pycocotools.cocoeval import COCOeval

case = json.load(sys.stdin)
ids = {name: i + 1 for i, name in enumerate(sorted(case["images"]))}
gt = {"images": [{"id": i} for i in ids.values()], "categories": [{"id": 1, "name": "apple"}], "annotations": []}
for name, boxes in case["gt"].items():
    for x1, y1, x2, y2 in boxes:
        gt["annotations"].append({"id": len(gt["annotations"]) + 1, "image_id": ids[name], "category_id": 1,
                                  "bbox": [x1, y1, x2 - x1, y2 - y1], "area": (x2 - x1) * (y2 - y1), "iscrowd": 0})
dt = [{"image_id": ids[name], "category_id": 1, "bbox": [x1, y1, x2 - x1, y2 - y1], "score": s}
      for name, boxes in case["dt"].items() for x1, y1, x2, y2, s in boxes]
with contextlib.redirect_stdout(io.StringIO()):
    coco = COCO()
    coco.dataset = gt
    coco.createIndex()
    result = coco.loadRes(dt) if dt else COCO()
    ev = COCOeval(coco, result, "bbox")
    ev.params.maxDets = [1, 10, 1000]
    ev.evaluate()
    ev.accumulate()
precision = ev.eval["precision"][:, :, :, 0, 2]  # T x R x K, area "all", maxDets 1000
valid = precision[precision > -1]
print(json.dumps({"ap": float(np.mean(valid)) if valid.size else 0.0,
                  "ap50": float(np.mean(precision[0][precision[0] > -1])) if (precision[0] > -1).any() else 0.0}))
