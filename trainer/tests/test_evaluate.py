import json

from conftest import run_cli


def _label(cls, x1, y1, x2, y2):
    return f"{cls} 0.00 0 0.00 {x1} {y1} {x2} {y2} 0.00 0.00 0.00 0.00 0.00 0.00 0.00"


def _pred(cls, x1, y1, x2, y2, score):
    return f"{cls} 0 0 0 {x1} {y1} {x2} {y2} 0 0 0 0 0 0 0 {score}"


def _write(folder, files):
    folder.mkdir()
    for name, lines in files.items():
        (folder / f"{name}.txt").write_text("".join(line + "\n" for line in lines))


def test_evaluate_hand_checked_map_over_classes_with_ground_truth(tmp_path):
    _write(tmp_path / "gt", {
        "a": [_label("Apple", 0, 0, 10, 10), _label("apple", 20, 0, 30, 10)],
        "b": [_label("apple", 0, 0, 10, 10), _label("pear", 40, 40, 50, 50)],
        "c": [],
    })
    # apple: .9 TP (a), .8 FP (a, IoU 0 with both), .7 TP (b); 3 ground truths
    #   precision 1, 1/2, 2/3 at recall 1/3, 1/3, 2/3 -> AP = 1/3 * 1 + 1/3 * 2/3 = 5/9
    # pear: no detections -> 0; plum: no ground truth -> ignored. c has no prediction file: no detections.
    _write(tmp_path / "pred", {
        "a": [_pred("apple", 0, 0, 10, 10, 0.9), _pred("apple", 60, 60, 70, 70, 0.8)],
        "b": [_pred("apple", 0, 0, 10, 10, 0.7), _pred("plum", 40, 40, 50, 50, 0.95)],
    })
    proc = run_cli("evaluate", "--labels", tmp_path / "gt", "--pred", tmp_path / "pred", "--out", tmp_path / "m.json")
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)
    assert abs(result["ap50_per_class"]["apple"] - 5 / 9) < 1e-12
    assert result["ap50_per_class"]["pear"] == 0
    assert abs(result["map50"] - 5 / 18) < 1e-12
    assert (result["images"], result["gt_boxes"], result["detections"]) == (3, 4, 4)
    assert json.loads((tmp_path / "m.json").read_text()) == result


def test_evaluate_bad_input_exits_2_naming_it(tmp_path):
    _write(tmp_path / "gt", {"a": [_label("apple", 0, 0, 10, 10)]})
    proc = run_cli("evaluate", "--labels", tmp_path / "missing", "--pred", tmp_path / "gt")
    assert proc.returncode == 2 and "missing: not a folder" in proc.stderr
    _write(tmp_path / "pred", {"a": [_label("apple", 0, 0, 10, 10)]})
    proc = run_cli("evaluate", "--labels", tmp_path / "gt", "--pred", tmp_path / "pred")
    assert proc.returncode == 2 and "a.txt:1: expected 16 KITTI fields (score last), found 15" in proc.stderr
