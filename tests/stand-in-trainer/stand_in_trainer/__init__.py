"""A stand-in for pomona's trainer (`python -m pomona_trainer`), for tests about orchestration.

`train`, `infer` and `embed` are stood in; `synth`, `evaluate` and `export` run as the real trainer.
It follows the trainer's contract (docs/trainer.md): the same command line (pomona_trainer's own parser),
JSON-line events, exit codes (2 bad input, 130/143 stopped), stop on SIGTERM or on stdin's EOF
(pomona_trainer's own interrupt handling), atomic `weights/epoch_NNN.pt` checkpoints at the interval and at
the end, resume from one, `train_log.csv`, one KITTI 16-field file per image (and `.probs` with several
classes), Lightly's embeddings CSV. It learns nothing and needs no torch: an epoch is a pause
(POMONA_STAND_IN_EPOCH_SECONDS, default 0.25), the "model" is each class's median box size, and
predictions and embeddings are deterministic functions of the model and the image's bytes, so a resumed
run ends exactly as an uninterrupted one. The real trainer's learning is tested in trainer/tests.
"""
